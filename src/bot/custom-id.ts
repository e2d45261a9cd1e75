/**
 * Button custom ids. Discord caps a custom_id at 100 characters, so an answer's buttons carry only a
 * short key into the in-memory answer cache plus the one number the action needs.
 *
 * ```
 * vb:more:<key>:<offset>   next quotes of the answer, starting at <offset>
 * vb:ctx:<key>:<i>         context around quote <i> of the answer
 * vb:up:<key>  vb:down:<key>   feedback on the answer
 * vb:src:<page>            page <page> (0-based) of /sources; stateless
 * ```
 */

export type ButtonAction =
  | { kind: 'more'; key: string; offset: number }
  | { kind: 'context'; key: string; quote: number }
  | { kind: 'vote'; key: string; vote: 'up' | 'down' }
  | { kind: 'sources'; page: number };

/** Discord's limit on a component's custom_id. */
export const CUSTOM_ID_MAX = 100;

const KEY = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * Encodes a button action as a custom_id (always ≤ 100 characters).
 *
 * @example
 * encodeButton({ kind: 'more', key: 'k3F9a2xQ', offset: 3 }); // 'vb:more:k3F9a2xQ:3'
 */
export function encodeButton(action: ButtonAction): string {
  if ('key' in action && !KEY.test(action.key)) throw new Error(`invalid answer key "${action.key}"`);
  switch (action.kind) {
    case 'more':
      return `vb:more:${action.key}:${action.offset}`;
    case 'context':
      return `vb:ctx:${action.key}:${action.quote}`;
    case 'vote':
      return `vb:${action.vote}:${action.key}`;
    case 'sources':
      return `vb:src:${action.page}`;
  }
}

/**
 * Decodes a custom_id written by `encodeButton`; anything else (another bot's, a tampered one) is undefined.
 *
 * @example
 * decodeButton('vb:ctx:k3F9a2xQ:0'); // { kind: 'context', key: 'k3F9a2xQ', quote: 0 }
 * decodeButton('something-else');    // undefined
 */
export function decodeButton(customId: string): ButtonAction | undefined {
  if (customId.length > CUSTOM_ID_MAX) return undefined;
  const [prefix, kind, a, b, ...rest] = customId.split(':');
  if (prefix !== 'vb' || rest.length > 0) return undefined;
  const int = (s: string | undefined) => (s !== undefined && /^\d{1,6}$/.test(s) ? Number(s) : undefined);
  switch (kind) {
    case 'more': {
      const offset = int(b);
      return a && KEY.test(a) && offset !== undefined ? { kind: 'more', key: a, offset } : undefined;
    }
    case 'ctx': {
      const quote = int(b);
      return a && KEY.test(a) && quote !== undefined ? { kind: 'context', key: a, quote } : undefined;
    }
    case 'up':
    case 'down':
      return a && KEY.test(a) && b === undefined ? { kind: 'vote', key: a, vote: kind } : undefined;
    case 'src': {
      const page = int(a);
      return page !== undefined && b === undefined ? { kind: 'sources', page } : undefined;
    }
    default:
      return undefined;
  }
}
