/**
 * The live build behind the aliases: its manifest and statistics live in the articles index's mapping
 * `_meta`, so one request tells which build readers see (the bot's reload probe) and what it holds.
 */
import { errors, type Client } from '@elastic/elasticsearch';
import { manifestSchema } from '../format.js';
import type { NextIds } from './ids.js';
import { aliasName, type BuildMeta } from './layout.js';

/**
 * The build the articles alias points to, or undefined when the cluster has none yet.
 *
 * @example
 * (await readLiveMeta(client, 'verbatim'))?.meta.manifest.buildId; // '20261130T120000-ab12cd'
 */
export async function readLiveMeta(client: Client, prefix: string): Promise<{ index: string; meta: BuildMeta } | undefined> {
  let mappings: Record<string, { mappings: { _meta?: unknown } }>;
  try {
    mappings = (await client.indices.getMapping({ index: aliasName(prefix, 'articles') })) as typeof mappings;
  } catch (e) {
    if (e instanceof errors.ResponseError && e.statusCode === 404) return undefined;
    throw e;
  }
  const [index, body] = Object.entries(mappings)[0] ?? [];
  if (!index || !body) return undefined;
  const raw = (body.mappings._meta ?? {}) as Partial<BuildMeta>;
  const manifest = manifestSchema.safeParse(raw.manifest);
  if (!manifest.success || typeof raw.layout !== 'number' || !raw.lexical) {
    return { index, meta: { layout: -1, manifest: raw.manifest as BuildMeta['manifest'], lexical: { documents: 0, averageFieldLength: [0, 0] } } };
  }
  return { index, meta: { layout: raw.layout, manifest: manifest.data, lexical: raw.lexical, ...(raw.ids ? { ids: raw.ids } : {}) } };
}

/**
 * The next unused ids of a build (positions for builds written before ids were carried over).
 *
 * @example
 * nextIdsOf(live.meta).sentences; // the first sentence id a new article may take
 */
export function nextIdsOf(meta: BuildMeta): NextIds {
  const { counts } = meta.manifest;
  return meta.ids ?? { articles: counts.articles, sentences: counts.sentences, passages: counts.passages };
}
