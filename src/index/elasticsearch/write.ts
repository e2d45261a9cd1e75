/**
 * Writes a build into the cluster: four new indexes (`<prefix>-<kind>-<buildId>`) filled with the bulk
 * API (batched; documents refused with 429 retried with exponential backoff), given their replicas,
 * then made live by one `_aliases` request that moves every alias at once. Readers follow the aliases,
 * so they see the previous build or the new one, never half of one; a build killed half-way leaves its
 * indexes unreferenced (the next build deletes them). The previous build is kept for rollback.
 */
import path from 'node:path';
import { errors, type Client } from '@elastic/elasticsearch';
import type { ElasticsearchConfig } from '../../config.js';
import { FILES, IndexError, readJson } from '../format.js';
import type { LoadedIndex } from '../load.js';
import { passageBody } from '../../text/passages.js';
import { terms } from '../../text/terms.js';
import { aliasName, ES_LAYOUT, indexBody, indexName, KINDS, type ArticleDoc, type BuildMeta, type Kind, type PassageDoc } from './layout.js';
import { readLiveMeta } from './meta.js';

export interface WriteOptions {
  /** Documents per bulk request (default 500). */
  batch?: number;
  /** Called after every bulk request: documents written, documents in all. */
  onProgress?: (done: number, total: number) => void;
  /** Replace a live build made with another model or dimension (else refused). */
  full?: boolean;
  /** Before the alias switch (tests interrupt a build here). */
  beforeSwitch?: () => Promise<void>;
}

export interface WriteSummary {
  buildId: string;
  documents: number;
  seconds: number;
  /** Bulk items retried after a 429. */
  retried: number;
  /** The build the aliases pointed to before (kept for rollback), if any. */
  previous: string | undefined;
  /** Older builds' indexes deleted. */
  deleted: string[];
  /** Nothing written: the live build already is this one. */
  unchanged: boolean;
}

/** MiniSearch's serialized index, as `LexicalStore.toJSON` writes it (lexical.json). */
interface MiniSearchJson {
  documentCount: number;
  averageFieldLength: [number, number];
  fieldLength: Record<string, [number, number]>;
  index: [string, Record<string, Record<string, number>>][];
}

/**
 * Writes `index` (a local build) into the cluster and switches the aliases to it.
 *
 * @example
 * const summary = await writeBuild(client, config.elasticsearch, await loadIndex('index', embedder.info));
 * summary.documents; // articles + sentences + passages + terms written
 */
export async function writeBuild(client: Client, es: ElasticsearchConfig, index: LoadedIndex, options: WriteOptions = {}): Promise<WriteSummary> {
  const t0 = performance.now();
  const { manifest } = index;
  const dim = manifest.embedding.dim;
  const live = await readLiveMeta(client, es.prefix);
  if (live && !options.full) refuseOtherModel(live.meta, index);
  if (live?.meta.manifest.buildId === manifest.buildId) {
    return { buildId: manifest.buildId, documents: 0, seconds: 0, retried: 0, previous: live.meta.manifest.buildId, deleted: [], unchanged: true };
  }
  const lexicalJson = readJson<{ minisearch: string; df: [string, number][] }>(path.join(index.dir, FILES.lexical));
  const mini = JSON.parse(lexicalJson.minisearch) as MiniSearchJson;
  const meta: BuildMeta = { layout: ES_LAYOUT, manifest, lexical: { documents: mini.documentCount, averageFieldLength: mini.averageFieldLength } };

  // A build of the same id killed half-way left these: start them again.
  const names = Object.fromEntries(KINDS.map((k) => [k, indexName(es.prefix, k, manifest.buildId)])) as Record<Kind, string>;
  await client.indices.delete({ index: Object.values(names), ignore_unavailable: true });
  for (const kind of KINDS) await client.indices.create({ index: names[kind], ...indexBody(kind, dim, es, kind === 'articles' ? meta : undefined) });

  const total = index.articles.length + manifest.counts.sentences + manifest.counts.passages + mini.index.length + index.vocabulary.size;
  let done = 0;
  let retried = 0;
  const batchSize = options.batch ?? 500;
  let batch: { index: string; id: string; doc: object }[] = [];
  const flush = async () => {
    retried += await bulkWithBackoff(client, batch);
    done += batch.length;
    batch = [];
    options.onProgress?.(done, total);
  };
  for (const doc of documents(index, mini, lexicalJson.df, names)) {
    batch.push(doc);
    if (batch.length >= batchSize) await flush();
  }
  if (batch.length) await flush();

  // Replicas now (copying a finished index beats replicating every bulk request), then wait for them.
  const all = Object.values(names);
  await client.indices.putSettings({ index: all, settings: { number_of_replicas: es.replicas, refresh_interval: '1s' } });
  await client.indices.refresh({ index: all });
  await client.cluster.health({ index: all, wait_for_status: es.replicas > 0 ? 'green' : 'yellow', timeout: '120s' }).catch(() => undefined);
  await options.beforeSwitch?.();

  const previous = live?.meta.manifest.buildId;
  await switchAliases(client, es.prefix, names);
  const deleted = await deleteOlderBuilds(client, es.prefix, [manifest.buildId, ...(previous ? [previous] : [])]);
  return { buildId: manifest.buildId, documents: done, seconds: (performance.now() - t0) / 1000, retried, previous, deleted, unchanged: false };
}

/** Another model, dimension or profile than the live build: the aliases would mix vectors of two spaces. */
function refuseOtherModel(live: BuildMeta, index: LoadedIndex): void {
  const a = live.manifest.embedding;
  const b = index.manifest.embedding;
  const same = a.model === b.model && a.dim === b.dim && a.quantized === b.quantized && a.pooling === b.pooling && a.queryPrefix === b.queryPrefix && a.passagePrefix === b.passagePrefix;
  if (same && live.layout === ES_LAYOUT) return;
  const what = live.layout !== ES_LAYOUT ? `an older layout (${live.layout})` : `${a.model} (${a.dim} dimensions)`;
  throw new IndexError(
    `The cluster's index holds ${what}; this build uses ${b.model} (${b.dim} dimensions). ` +
      'Replace it with: npm run build-index -- --full',
  );
}

/** Every document of the build, kind by kind. */
function* documents(
  index: LoadedIndex,
  mini: MiniSearchJson,
  df: [string, number][],
  names: Record<Kind, string>,
): Generator<{ index: string; id: string; doc: object }> {
  const dim = index.manifest.embedding.dim;
  const rows = (flat: Float32Array, from: number, count: number) =>
    Buffer.from(flat.buffer, flat.byteOffset + from * dim * 4, count * dim * 4).toString('base64');
  for (const [ord, a] of index.articles.entries()) {
    const { sentences, passages, ...rest } = a;
    const firstBreak = a.text.indexOf('\n\n');
    const doc: ArticleDoc = {
      ...rest,
      ord,
      sentences: sentences.flatMap((s) => [s.start, s.end]),
      passages: passages.flatMap((p) => [p.first, p.last]),
      firstSentence: index.firstSentence[ord],
      firstPassage: index.firstPassage[ord],
      firstParagraph: (firstBreak < 0 ? a.text : a.text.slice(0, firstBreak)).trim(),
      sv: rows(index.sentenceVectors, index.firstSentence[ord], sentences.length),
      pv: rows(index.passageVectors, index.firstPassage[ord], passages.length),
    };
    yield { index: names.articles, id: String(ord), doc };
  }
  const vector = (flat: Float32Array, row: number) => Array.from(flat.subarray(row * dim, (row + 1) * dim));
  for (let s = 0; s < index.sentenceArticle.length; s++) {
    yield { index: names.sentences, id: String(s), doc: { a: index.sentenceArticle[s], p: index.sentencePassage[s], v: vector(index.sentenceVectors, s) } };
  }
  for (let p = 0; p < index.passageArticle.length; p++) {
    const a = index.articles[index.passageArticle[p]];
    const [tl, xl] = mini.fieldLength[String(p)] ?? [0, 0];
    const doc: PassageDoc = { a: index.passageArticle[p], title: terms(a.title).join(' '), text: terms(passageBody(a.text, a.sentences, a.passages[index.passageLocal[p]])).join(' '), tl, xl };
    yield { index: names.passages, id: String(p), doc: { ...doc, v: vector(index.passageVectors, p) } };
  }
  const either = new Map(df);
  for (const [term, fields] of mini.index) {
    const dft = Object.keys(fields['0'] ?? {}).length;
    const dfx = Object.keys(fields['1'] ?? {}).length;
    yield { index: names.terms, id: `t:${term}`, doc: { df: either.get(term) ?? 0, dft, dfx } };
  }
  const { codes, scales } = index.vocabularyVectors;
  for (const [word, row] of index.vocabulary) {
    const c = Buffer.from(codes.buffer, codes.byteOffset + row * dim, dim).toString('base64');
    yield { index: names.terms, id: `w:${word}`, doc: { c, s: scales[row] } };
  }
}

/**
 * One bulk request; items the cluster refused with 429 (queue full) are sent again after 0.5 s, 1 s,
 * 2 s… (at most 8 tries). Any other refusal fails the build with the cluster's reason. Returns how
 * many items were retried.
 */
async function bulkWithBackoff(client: Client, docs: { index: string; id: string; doc: object }[]): Promise<number> {
  let pending = docs;
  let retried = 0;
  for (let attempt = 0; ; attempt++) {
    let items: { status: number; error?: { type?: string; reason?: string } }[];
    try {
      const r = await client.bulk({ operations: pending.flatMap((d) => [{ index: { _index: d.index, _id: d.id } }, d.doc]) });
      items = r.items.map((i) => i.index!).map((i) => ({ status: i.status, error: i.error as { type?: string; reason?: string } | undefined }));
    } catch (e) {
      if (!(e instanceof errors.ResponseError && e.statusCode === 429) || attempt >= 7) throw e;
      retried += pending.length;
      await sleep(500 * 2 ** attempt);
      continue;
    }
    const again = pending.filter((_, i) => items[i].status === 429);
    const failed = items.find((i) => i.status >= 300 && i.status !== 429);
    if (failed) throw new Error(`The cluster refused a document: ${failed.error?.type ?? failed.status}: ${failed.error?.reason ?? ''}`);
    if (again.length === 0) return retried;
    if (attempt >= 7) throw new Error(`The cluster kept refusing ${again.length} documents with 429 (too many requests).`);
    retried += again.length;
    pending = again;
    await sleep(500 * 2 ** attempt);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Points every alias at the new build in one request (atomic: readers never see a mix). */
async function switchAliases(client: Client, prefix: string, names: Record<Kind, string>): Promise<void> {
  const actions: object[] = [];
  for (const kind of KINDS) {
    const alias = aliasName(prefix, kind);
    const holders = await client.indices.getAlias({ name: alias }).catch((e: unknown) => {
      if (e instanceof errors.ResponseError && e.statusCode === 404) return {};
      throw e;
    });
    for (const holder of Object.keys(holders)) actions.push({ remove: { index: holder, alias } });
    actions.push({ add: { index: names[kind], alias } });
  }
  await client.indices.updateAliases({ actions });
}

/** Deletes the indexes of builds other than `keep` (the live one and the previous, kept for rollback). */
async function deleteOlderBuilds(client: Client, prefix: string, keep: string[]): Promise<string[]> {
  const kept = new Set(KINDS.flatMap((k) => keep.map((id) => indexName(prefix, k, id))));
  const existing = await client.cat.indices({ index: KINDS.map((k) => `${prefix}-${k}-*`), format: 'json', h: 'index' });
  const old = existing.map((r) => r.index as string).filter((name) => !kept.has(name));
  if (old.length) await client.indices.delete({ index: old, ignore_unavailable: true });
  return old;
}
