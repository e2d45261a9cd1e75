/**
 * `metadata.json` at the corpus root: citation fields for files that cannot carry their own (the
 * seed articles must stay byte-for-byte as published, so front matter is not an option for them).
 *
 * Format: a JSON object keyed by file path relative to the corpus folder, forward slashes
 * (`"business/001.txt"`), each value `{ title?, publisher?, date?, url? }`; the optional `"*"` key
 * gives corpus-wide defaults (e.g. the publisher of a one-outlet dataset). A bad entry is reported
 * and ignored; the rest of the file still applies.
 *
 * @example
 * {
 *   "*": { "publisher": "BBC" },
 *   "001_e9a4a54a7af6da91.txt": { "publisher": "DW", "date": "2014-12-03", "url": "https://p.dw.com/p/1Dycg" }
 * }
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

export const SIDECAR_FILE = 'metadata.json';

const isoDate = z.string().superRefine((s, ctx) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected an ISO date like 2014-12-03' });
  else if (new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) !== s) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'not a real date' });
});

/** One entry. `publisher: null` states "no publisher" and stops inference. */
export const sidecarEntrySchema = z
  .object({
    title: z.string().trim().min(1).optional(),
    publisher: z.string().trim().min(1).nullable().optional(),
    date: isoDate.nullable().optional(),
    url: z.string().url().nullable().optional(),
  })
  .strict();

export type SidecarEntry = z.infer<typeof sidecarEntrySchema>;

export interface Sidecar {
  /** Corpus-wide defaults (the `"*"` key). */
  defaults: SidecarEntry;
  /** Per-file entries, keyed by normalized relative path. */
  entries: Map<string, SidecarEntry>;
  /** Problems found, worded for whoever edits the file. */
  problems: string[];
}

/**
 * Normalizes a relative path the way entries are keyed: forward slashes, no leading `./`.
 *
 * @example
 * sidecarKey('./business\\001.txt'); // 'business/001.txt'
 */
export function sidecarKey(rel: string): string {
  return rel.split(path.sep).join('/').replace(/\\/g, '/').replace(/^(\.\/)+/, '');
}

/**
 * Parses and validates a sidecar's JSON text. Never throws: problems are returned.
 *
 * @example
 * const s = parseSidecar('{"*": {"publisher": "BBC"}, "a.txt": {"date": "3 Dec"}}');
 * s.defaults.publisher; // 'BBC'
 * s.problems;           // ['metadata.json: entry "a.txt" ignored: date: expected an ISO date like 2014-12-03']
 */
export function parseSidecar(json: string): Sidecar {
  const result: Sidecar = { defaults: {}, entries: new Map(), problems: [] };
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (err) {
    result.problems.push(`${SIDECAR_FILE}: not valid JSON (${(err as Error).message}); ignored`);
    return result;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    result.problems.push(`${SIDECAR_FILE}: expected an object keyed by file path; ignored`);
    return result;
  }
  for (const [key, value] of Object.entries(data)) {
    const parsed = sidecarEntrySchema.safeParse(value);
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
      result.problems.push(`${SIDECAR_FILE}: entry "${key}" ignored: ${why}`);
      continue;
    }
    if (key === '*') result.defaults = parsed.data;
    else result.entries.set(sidecarKey(key), parsed.data);
  }
  return result;
}

/**
 * Reads `metadata.json` from a corpus root; an absent file is an empty sidecar.
 *
 * @example
 * const sidecar = await loadSidecar('corpus');
 * sidecar.entries.get('001_e9a4a54a7af6da91.txt')?.url; // 'https://p.dw.com/p/1Dycg'
 */
export async function loadSidecar(root: string): Promise<Sidecar> {
  let json: string;
  try {
    json = await fs.readFile(path.join(root, SIDECAR_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { defaults: {}, entries: new Map(), problems: [] };
    return { defaults: {}, entries: new Map(), problems: [`${SIDECAR_FILE}: unreadable (${(err as Error).message}); ignored`] };
  }
  return parseSidecar(json);
}

/**
 * The entry that applies to a file: its own fields over the corpus defaults, in a fixed key order
 * (it feeds the content hash, so the same metadata must always serialize the same way).
 *
 * @example
 * sidecarFor(parseSidecar('{"*": {"publisher": "BBC"}, "a.txt": {"date": "2005-01-01"}}'), 'a.txt');
 * // { publisher: 'BBC', date: '2005-01-01' }
 */
export function sidecarFor(sidecar: Sidecar, rel: string): SidecarEntry {
  const own = sidecar.entries.get(sidecarKey(rel)) ?? {};
  const merged: SidecarEntry = {};
  for (const k of ['title', 'publisher', 'date', 'url'] as const) {
    const v = k in own ? own[k] : sidecar.defaults[k];
    if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
  }
  return merged;
}
