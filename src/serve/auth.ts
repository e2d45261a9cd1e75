/**
 * API keys: `Authorization: Bearer <key>` checked against HTTP_API_KEYS. Keys are compared as
 * SHA-256 digests with `crypto.timingSafeEqual` (equal lengths, constant time), against every
 * configured key without stopping early, so timing says nothing about how close a guess was.
 */
import crypto from 'node:crypto';

const digest = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest();

export interface KeyCheck {
  /** Whether keys are required at all (HTTP_API_KEYS set). */
  readonly required: boolean;
  /**
   * Which key the Authorization header holds: its index in HTTP_API_KEYS, or -1 (missing or wrong).
   *
   * @example
   * keys.identify('Bearer s3cret'); // 0
   */
  identify(authorization: string | undefined): number;
}

/**
 * @example
 * const keys = keyCheck(['s3cret-one', 's3cret-two']);
 * keys.identify('Bearer s3cret-two'); // 1
 * keys.identify('Bearer nope');       // -1
 */
export function keyCheck(keys: string[]): KeyCheck {
  const digests = keys.map(digest);
  return {
    required: digests.length > 0,
    identify(authorization) {
      const m = /^Bearer[ \t]+(\S+)\s*$/i.exec(authorization ?? '');
      const given = digest(m?.[1] ?? '');
      let found = -1;
      for (const [i, d] of digests.entries()) if (crypto.timingSafeEqual(d, given) && found < 0 && m) found = i;
      return found;
    },
  };
}
