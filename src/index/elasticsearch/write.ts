/**
 * Writes a build into the cluster: four new indexes (`<prefix>-<kind>-<buildId>`) filled with the bulk
 * API (batched; documents refused with 429 retried with exponential backoff), given their replicas,
 * then made live by one `_aliases` request that moves every alias at once. Readers follow the aliases,
 * so they see the previous build or the new one, never half of one; a build killed half-way leaves its
 * indexes unreferenced (the next build deletes them). The previous build is kept for rollback.
 *
 * Incremental: a build that can start from the live one clones its indexes and writes only the
 * documents of new, changed and removed articles and the terms and words they touch (ids.ts keeps
 * every other document's id). A full build (`--full`, another shard count, a first build) writes all.
 */
import path from 'node:path';
import { errors, type Client } from '@elastic/elasticsearch';
import type { ElasticsearchConfig } from '../../config.js';
import { FILES, IndexError, readJson } from '../format.js';
import type { LoadedIndex } from '../load.js';
import { passageBody } from '../../text/passages.js';
import { contentWords, terms } from '../../text/terms.js';
import { carriedIds, positionalIds, type IdPlan, type LiveArticle } from './ids.js';
import { aliasName, ES_LAYOUT, indexBody, indexName, KINDS, type ArticleDoc, type BuildMeta, type Kind, type PassageDoc, type TermDoc } from './layout.js';
import { nextIdsOf, readLiveMeta } from './meta.js';

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
  /** Started from the live build (cloned): only changes written. */
  carried: boolean;
  /** Articles whose documents were written, and articles removed. */
  articles: { written: number; removed: number };
  /** Documents written or deleted, per index kind. */
  byKind: Record<Kind, number>;
}

/** MiniSearch's serialized index, as `LexicalStore.toJSON` writes it (lexical.json). */
interface MiniSearchJson {
  documentCount: number;
  averageFieldLength: [number, number];
  fieldLength: Record<string, [number, number]>;
  index: [string, Record<string, Record<string, number>>][];
}

/**
 * Writes `index` (a local build) into the cluster and switches the aliases to it. When the live build
 * has the same model, layout and shard count, it is carried over: its indexes are cloned (Elasticsearch
 * hard-links their segments: nothing is sent again) and only the documents of new, changed and removed
 * articles (and the terms and words they touch) are written or deleted. Otherwise, or with `full`,
 * every document is written.
 *
 * @example
 * const summary = await writeBuild(client, config.elasticsearch, await loadIndex('index', embedder.info));
 * summary.documents; // documents written or deleted
 * summary.carried;   // true: started from the live build
 */
export async function writeBuild(client: Client, es: ElasticsearchConfig, index: LoadedIndex, options: WriteOptions = {}): Promise<WriteSummary> {
  const t0 = performance.now();
  const { manifest } = index;
  const dim = manifest.embedding.dim;
  const live = await readLiveMeta(client, es.prefix);
  if (live && !options.full) refuseOtherModel(live.meta, index);
  if (live?.meta.manifest.buildId === manifest.buildId) {
    return { buildId: manifest.buildId, documents: 0, seconds: 0, retried: 0, previous: live.meta.manifest.buildId, deleted: [], unchanged: true, carried: false, articles: { written: 0, removed: 0 }, byKind: { articles: 0, sentences: 0, passages: 0, terms: 0 } };
  }
  const lexicalJson = readJson<{ minisearch: string; df: [string, number][] }>(path.join(index.dir, FILES.lexical));
  const mini = JSON.parse(lexicalJson.minisearch) as MiniSearchJson;

  // A build of the same id killed half-way left these: start them again.
  const names = Object.fromEntries(KINDS.map((k) => [k, indexName(es.prefix, k, manifest.buildId)])) as Record<Kind, string>;
  await client.indices.delete({ index: Object.values(names), ignore_unavailable: true });
  const carried = live && !options.full && (await cloneLive(client, es, live.meta, names));
  const plan = carried ? carriedIds(index, await readLiveArticles(client, indexName(es.prefix, 'articles', live.meta.manifest.buildId)), nextIdsOf(live.meta)) : positionalIds(index);
  const meta: BuildMeta = { layout: ES_LAYOUT, manifest, lexical: { documents: mini.documentCount, averageFieldLength: mini.averageFieldLength }, ids: plan.next };
  if (carried) await client.indices.putMapping({ index: names.articles, _meta: meta });
  else for (const kind of KINDS) await client.indices.create({ index: names[kind], ...indexBody(kind, dim, es, kind === 'articles' ? meta : undefined) });

  const touched = carried ? await touchedBy(client, es.prefix, live.meta.manifest.buildId, index, plan) : undefined;
  // Term and word documents are small and counted for the progress line, so they are made once, up front;
  // sentence and passage documents (with their vectors) stream in batches, never all in memory at once.
  const termOps = [...termDocuments(index, mini, lexicalJson.df, names, touched)];
  const ops = function* (): Generator<Op> {
    yield* deletions(plan, names);
    for (const i of plan.write) yield* articleDocuments(index, mini, names, plan, i);
    yield* termOps;
  };
  let total = termOps.length;
  for (const old of plan.stale) total += (old.sentences.length + old.passages.length) / 2;
  for (const i of plan.write) total += 1 + index.articles[i].sentences.length + index.articles[i].passages.length;
  total += plan.removed.length;
  const kindOf = new Map(KINDS.map((k) => [names[k], k]));
  const byKind = { articles: 0, sentences: 0, passages: 0, terms: 0 };
  let done = 0;
  let retried = 0;
  const batchSize = options.batch ?? 500;
  let batch: Op[] = [];
  const flush = async () => {
    retried += await bulkWithBackoff(client, batch);
    done += batch.length;
    batch = [];
    options.onProgress?.(done, total);
  };
  for (const op of ops()) {
    byKind[kindOf.get(op.index)!]++;
    batch.push(op);
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
  return {
    buildId: manifest.buildId,
    documents: done,
    seconds: (performance.now() - t0) / 1000,
    retried,
    previous,
    deleted,
    unchanged: false,
    carried: Boolean(carried),
    articles: { written: plan.write.length, removed: plan.removed.length },
    byKind,
  };
}

/**
 * Clones the live build's indexes under the new build's names, when its shard count is still the
 * configured one (a clone keeps it). The live indexes are made read-only first (a clone needs it; a
 * live build is never written again anyway). False when it cannot be carried: then a full write.
 */
async function cloneLive(client: Client, es: ElasticsearchConfig, live: BuildMeta, names: Record<Kind, string>): Promise<boolean> {
  const from = Object.fromEntries(KINDS.map((k) => [k, indexName(es.prefix, k, live.manifest.buildId)])) as Record<Kind, string>;
  const settings = await client.indices.getSettings({ index: Object.values(from), name: 'index.number_of_shards' }).catch(() => undefined);
  const shards = (kind: Kind) => Number((settings?.[from[kind]]?.settings as { index?: { number_of_shards?: string } } | undefined)?.index?.number_of_shards);
  if (!KINDS.every((k) => shards(k) === es.shards)) return false;
  try {
    await client.indices.putSettings({ index: Object.values(from), settings: { 'index.blocks.write': true } });
    for (const kind of KINDS) {
      await client.indices.clone({
        index: from[kind],
        target: names[kind],
        settings: { 'index.blocks.write': false, 'index.number_of_replicas': 0, 'index.refresh_interval': '-1' },
        wait_for_active_shards: 1,
        timeout: '120s',
      });
    }
    return true;
  } catch {
    // A cluster that cannot clone now (e.g. a copy missing): write everything instead.
    await client.indices.delete({ index: Object.values(names), ignore_unavailable: true });
    return false;
  }
}

/** The live build's articles: ids, hashes and cuts (not their text or vectors), in `ord` order. */
async function readLiveArticles(client: Client, index: string): Promise<LiveArticle[]> {
  const out: LiveArticle[] = [];
  let after: number | undefined;
  for (;;) {
    const r = await client.search<LiveArticle>({
      index,
      size: 1000,
      sort: [{ ord: 'asc' }],
      _source: ['ord', 'id', 'hash', 'firstSentence', 'firstPassage', 'sentences', 'passages'],
      ...(after === undefined ? {} : { search_after: [after] }),
    });
    for (const h of r.hits.hits) out.push(h._source!);
    if (r.hits.hits.length < 1000) return out;
    after = out[out.length - 1].ord;
  }
}

/** What the live build holds of the terms and words a carried build touches: term → its document, word → present. */
interface Touched {
  terms: Map<string, TermDoc | undefined>;
  words: Map<string, boolean>;
}

/**
 * The index terms and vocabulary words a carried build may have to rewrite or delete: those of the
 * articles written and of the live articles replaced or removed (read back from the cluster), each
 * with what the live build holds for it, so that only documents whose content changes are written.
 */
async function touchedBy(client: Client, prefix: string, liveBuild: string, index: LoadedIndex, plan: IdPlan): Promise<Touched> {
  const termSet = new Set<string>();
  const wordSet = new Set<string>();
  for (const i of plan.write) {
    const a = index.articles[i];
    for (const t of terms(a.title)) termSet.add(t);
    for (const p of a.passages) for (const t of terms(passageBody(a.text, a.sentences, p))) termSet.add(t);
    for (const w of contentWords(`${a.title}\n${a.text}`)) wordSet.add(w);
  }
  const liveName = (kind: Kind) => indexName(prefix, kind, liveBuild);
  for (let from = 0; from < plan.stale.length; from += 200) {
    const chunk = plan.stale.slice(from, from + 200);
    const articles = await client.mget<{ title: string; text: string }>({ index: liveName('articles'), ids: chunk.map((a) => String(a.ord)), _source: ['title', 'text'] });
    const passageIds = chunk.flatMap((a) => Array.from({ length: a.passages.length / 2 }, (_, k) => String(a.firstPassage + k)));
    const passages = await client.mget<PassageDoc>({ index: liveName('passages'), ids: passageIds, _source: ['title', 'text'] });
    // Passage documents hold index terms already.
    for (const d of passages.docs) if ('found' in d && d.found && d._source) for (const t of `${d._source.title} ${d._source.text}`.split(' ')) if (t) termSet.add(t);
    for (const d of articles.docs) if ('found' in d && d.found && d._source) for (const w of contentWords(`${d._source.title}\n${d._source.text}`)) wordSet.add(w);
  }
  const touched: Touched = { terms: new Map(), words: new Map() };
  const ids = [...[...termSet].map((t) => `t:${t}`), ...[...wordSet].map((w) => `w:${w}`)];
  for (let from = 0; from < ids.length; from += 1000) {
    const chunk = ids.slice(from, from + 1000);
    const { docs } = await client.mget<TermDoc>({ index: liveName('terms'), ids: chunk, _source: ['df', 'dft', 'dfx'] });
    docs.forEach((d, i) => {
      const found = 'found' in d && d.found;
      const id = chunk[i];
      if (id.startsWith('t:')) touched.terms.set(id.slice(2), found ? d._source : undefined);
      else touched.words.set(id.slice(2), found);
    });
  }
  return touched;
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

/** One bulk operation: index `doc` under `id`, or delete `id` when there is no doc. */
interface Op {
  index: string;
  id: string;
  doc?: object;
}

/** Deletions a carried build starts with: the sentences and passages of replaced and removed articles. */
function* deletions(plan: IdPlan, names: Record<Kind, string>): Generator<Op> {
  for (const old of plan.stale) {
    for (let k = 0; k < old.sentences.length / 2; k++) yield { index: names.sentences, id: String(old.firstSentence + k) };
    for (let k = 0; k < old.passages.length / 2; k++) yield { index: names.passages, id: String(old.firstPassage + k) };
  }
  for (const old of plan.removed) yield { index: names.articles, id: String(old.ord) };
}

/** The article document of local article `i` and its sentence and passage documents, under the plan's ids. */
function* articleDocuments(index: LoadedIndex, mini: MiniSearchJson, names: Record<Kind, string>, plan: IdPlan, i: number): Generator<Op> {
  const dim = index.manifest.embedding.dim;
  const rows = (flat: Float32Array, from: number, count: number) =>
    Buffer.from(flat.buffer, flat.byteOffset + from * dim * 4, count * dim * 4).toString('base64');
  const vector = (flat: Float32Array, row: number) => Array.from(flat.subarray(row * dim, (row + 1) * dim));
  const a = index.articles[i];
  const { sentences, passages, ...rest } = a;
  const [ord, firstS, firstP] = [plan.ord[i], plan.firstSentence[i], plan.firstPassage[i]];
  const firstBreak = a.text.indexOf('\n\n');
  const doc: ArticleDoc = {
    ...rest,
    ord,
    sentences: sentences.flatMap((s) => [s.start, s.end]),
    passages: passages.flatMap((p) => [p.first, p.last]),
    firstSentence: firstS,
    firstPassage: firstP,
    firstParagraph: (firstBreak < 0 ? a.text : a.text.slice(0, firstBreak)).trim(),
    sv: rows(index.sentenceVectors, index.firstSentence[i], sentences.length),
    pv: rows(index.passageVectors, index.firstPassage[i], passages.length),
  };
  yield { index: names.articles, id: String(ord), doc };
  for (let k = 0; k < sentences.length; k++) {
    const s = index.firstSentence[i] + k;
    const p = firstP + index.passageLocal[index.sentencePassage[s]];
    yield { index: names.sentences, id: String(firstS + k), doc: { a: ord, p, v: vector(index.sentenceVectors, s) } };
  }
  for (let k = 0; k < passages.length; k++) {
    const p = index.firstPassage[i] + k;
    const [tl, xl] = mini.fieldLength[String(p)] ?? [0, 0];
    const body: PassageDoc = { a: ord, title: terms(a.title).join(' '), text: terms(passageBody(a.text, sentences, passages[k])).join(' '), tl, xl };
    yield { index: names.passages, id: String(firstP + k), doc: { ...body, v: vector(index.passageVectors, p) } };
  }
}

/**
 * Term documents (document frequencies) and vocabulary word documents (int8 vectors): all of them, or,
 * for a carried build, only those of the `touched` terms and words whose content changes (a term's
 * frequencies; a word that enters or leaves the vocabulary; a word's vector depends on the word alone).
 */
function* termDocuments(index: LoadedIndex, mini: MiniSearchJson, df: [string, number][], names: Record<Kind, string>, touched?: Touched): Generator<Op> {
  const dim = index.manifest.embedding.dim;
  const either = new Map(df);
  const fieldsOf = new Map(mini.index);
  for (const term of touched?.terms.keys() ?? fieldsOf.keys()) {
    const fields = fieldsOf.get(term);
    const before = touched?.terms.get(term);
    const id = `t:${term}`;
    if (!fields) {
      if (!touched || before) yield { index: names.terms, id };
      continue;
    }
    const doc: TermDoc = { df: either.get(term) ?? 0, dft: Object.keys(fields['0'] ?? {}).length, dfx: Object.keys(fields['1'] ?? {}).length };
    if (!before || before.df !== doc.df || before.dft !== doc.dft || before.dfx !== doc.dfx) yield { index: names.terms, id, doc };
  }
  const { codes, scales } = index.vocabularyVectors;
  for (const word of touched?.words.keys() ?? index.vocabulary.keys()) {
    const row = index.vocabulary.get(word);
    const before = touched?.words.get(word) ?? false;
    const id = `w:${word}`;
    if (row === undefined) {
      if (before) yield { index: names.terms, id };
    } else if (!before) {
      yield { index: names.terms, id, doc: { c: Buffer.from(codes.buffer, codes.byteOffset + row * dim, dim).toString('base64'), s: scales[row] } };
    }
  }
}

/**
 * One bulk request; items the cluster refused with 429 (queue full) are sent again after 0.5 s, 1 s,
 * 2 s… (at most 8 tries). Any other refusal fails the build with the cluster's reason. Returns how
 * many items were retried.
 */
async function bulkWithBackoff(client: Client, docs: Op[]): Promise<number> {
  let pending = docs;
  let retried = 0;
  for (let attempt = 0; ; attempt++) {
    let items: { status: number; error?: { type?: string; reason?: string } }[];
    try {
      const r = await client.bulk({
        operations: pending.flatMap((d) => (d.doc ? [{ index: { _index: d.index, _id: d.id } }, d.doc] : [{ delete: { _index: d.index, _id: d.id } }])),
      });
      // A delete of a document that is not there (404) is what was wanted.
      items = r.items.map((i) => (i.index ?? i.delete)!).map((i) => ({ status: i.status === 404 ? 200 : i.status, error: i.error as { type?: string; reason?: string } | undefined }));
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
