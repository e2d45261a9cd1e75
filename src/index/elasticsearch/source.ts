/**
 * Answering from the cluster. Per question: one `msearch` (kNN over sentences, kNN over passages, BM25
 * over passages, the question's term statistics and word vectors), one `mget` of the candidates'
 * articles, then the unchanged engine pipeline on a `PartialIndex` of those articles. Quote building
 * and abstention may ask for a little more (articles stating a quote's figure, the best passage's
 * word vectors): one more round trip each, only when needed. Nothing of the corpus stays in memory
 * between questions except the build's statistics and, once asked for, the list of sources.
 */
import { errors, type Client } from '@elastic/elasticsearch';
import type { Config } from '../../config.js';
import type { Citation } from '../../types.js';
import type { QuoteContext, SourceInfo } from '../../answer/api.js';
import { withoutAnswerTypeWords } from '../../answer/answer-type.js';
import { figures, type ScoredSentence } from '../../answer/quotes.js';
import type { IndexSource, QuestionIndex } from '../../answer/source.js';
import type { Tuning } from '../../answer/tuning.js';
import { sameProfile } from '../../embed/profiles.js';
import { contentWords, term, terms } from '../../text/terms.js';
import { IndexError, type ExpectedEmbedding } from '../format.js';
import type { ScoredPassage } from './bm25.js';
import { isUnreachable, openClient, startError, IndexUnavailableError } from './client.js';
import { ES_LAYOUT, indexName, KINDS, type ArticleDoc, type BuildMeta, type Kind, type PassageDoc, type TermDoc, type WordDoc } from './layout.js';
import { nextIdsOf, readLiveMeta } from './meta.js';
import { PartialIndex, type ClusterHit } from './partial.js';

export { openClient };

/** BM25 candidates fetched per lexical hit the engine uses: the cluster's BM25 ranks them, bm25.ts re-scores them exactly. */
export const LEXICAL_OVERFETCH = 8;
/** Waits (ms) before retrying a failed cluster call: a node loss is noticed within them. */
const RETRIES = [250, 750];
/** Passages fetched for one figure a quote states (corroboration by figure). */
const FIGURE_PASSAGES = 100;

/** kNN candidates per shard: generous, so the cluster's approximate top k is the exact one. */
function numCandidates(k: number): number {
  return Math.min(10_000, Math.max(100, 4 * k));
}

/**
 * The build behind the aliases, answering questions with per-question indexes.
 *
 * @example
 * const source = await ElasticsearchSource.open(config, embedder.info);
 * const engine = new Engine(source, embedder);
 */
export class ElasticsearchSource implements IndexSource {
  readonly loaded = undefined;
  private sourceList: Promise<SourceInfo[]> | undefined;

  private constructor(
    readonly client: Client,
    private readonly config: Config,
    private readonly meta: BuildMeta,
    private readonly names: Record<Kind, string>,
  ) {}

  /**
   * Connects and checks the live build against the embedding model; a cluster that cannot be reached
   * or holds no (or another model's) build is an `IndexError` saying what to do.
   *
   * @example
   * await ElasticsearchSource.open(config, { model: 'Xenova/all-MiniLM-L6-v2', quantized: true });
   */
  static async open(config: Config, expected: ExpectedEmbedding, client = openClient(config.elasticsearch)): Promise<ElasticsearchSource> {
    const es = config.elasticsearch;
    let live: Awaited<ReturnType<typeof readLiveMeta>>;
    try {
      live = await readLiveMeta(client, es.prefix);
    } catch (e) {
      throw startError(es, e);
    }
    if (!live) {
      throw new IndexError(
        `The cluster at ${es.urls.join(',')} holds no Verbatim index (${es.prefix}-*) yet. Build it with: npm run build-index (with VECTOR_STORE=elasticsearch)`,
      );
    }
    const { meta } = live;
    if (meta.layout !== ES_LAYOUT) {
      throw new IndexError(`The cluster's index (${live.index}) has another layout than this version reads. Rebuild it with: npm run build-index -- --full`);
    }
    const m = meta.manifest.embedding;
    const sameModel = m.model === expected.model && m.quantized === expected.quantized;
    const wanted = { pooling: expected.pooling ?? m.pooling, queryPrefix: expected.queryPrefix ?? m.queryPrefix, passagePrefix: expected.passagePrefix ?? m.passagePrefix };
    if (!sameModel || !sameProfile(m, wanted)) {
      throw new IndexError(
        `The cluster's index was built with ${m.model} (${m.dim} dimensions${m.quantized ? ', int8' : ''}) but the configuration asks for ${expected.model}${expected.quantized ? ' (int8)' : ''} or another profile. ` +
          'Rebuild it with: npm run build-index -- --full (or set EMBEDDING_MODEL / EMBEDDING_QUANTIZED to match the index).',
      );
    }
    const names = Object.fromEntries(KINDS.map((k) => [k, indexName(es.prefix, k, meta.manifest.buildId)])) as Record<Kind, string>;
    return new ElasticsearchSource(client, config, meta, names);
  }

  get buildId(): string {
    return this.meta.manifest.buildId;
  }

  /**
   * Runs a cluster call. A node lost mid-request (a shard copy that failed, a connection reset) is
   * retried twice after a short wait, by when the client has moved to the surviving node; a cluster
   * problem that persists becomes `IndexUnavailableError` (the bot's "try again shortly").
   */
  private async call<T>(what: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await what();
      } catch (e) {
        if (e instanceof IndexError) throw e;
        const cluster = e instanceof IndexUnavailableError || isUnreachable(e) || e instanceof errors.ElasticsearchClientError;
        if (!cluster) throw e;
        if (attempt >= RETRIES.length) throw e instanceof IndexUnavailableError ? e : new IndexUnavailableError((e as Error).message);
        await new Promise((resolve) => setTimeout(resolve, RETRIES[attempt]));
      }
    }
  }

  async forQuestion(q: Float32Array, question: string, tuning: Tuning): Promise<QuestionIndex> {
    return this.call(async () => {
      const part = new PartialIndex(this.meta, `elasticsearch:${this.config.elasticsearch.prefix}`);
      const lexicalQuestion = withoutAnswerTypeWords(question);
      const lexicalTerms = [...new Set(terms(lexicalQuestion))];
      const questionTerms = [...new Set([...terms(question), ...lexicalTerms, ...contentWords(question).map((w) => term(w) ?? '').filter(Boolean)])];
      const words = contentWords(question);
      const vector = Array.from(q);
      const knn = (index: string, k: number, fields: string[]) =>
        k > 0
          ? [{ index }, { knn: { field: 'v', query_vector: vector, k, num_candidates: numCandidates(k), rescore_vector: { oversample: 3 } }, size: k, _source: fields }]
          : [{ index }, { query: { match_none: {} }, size: 0 }];
      const lexicalSize = tuning.lexicalHits * LEXICAL_OVERFETCH;
      const { responses } = await this.client.msearch({
        searches: [
          ...knn(this.names.sentences, tuning.sentenceHits, ['a', 'p']),
          ...knn(this.names.passages, tuning.passageHits, ['a']),
          { index: this.names.passages },
          { query: lexicalQuery(lexicalTerms), size: lexicalTerms.length && lexicalSize > 0 ? lexicalSize : 0, _source: ['a', 'title', 'text', 'tl', 'xl'] },
          { index: this.names.terms },
          { query: { ids: { values: [...questionTerms.map((t) => `t:${t}`), ...words.map((w) => `w:${w}`)] } }, size: questionTerms.length + words.length },
        ],
      });
      const [sentenceRes, passageRes, lexicalRes, termRes] = responses.map(hitsOf);
      const sentenceHits = sentenceRes.map((h) => ({ id: Number(h._id), article: (h._source as { a: number }).a, score: 2 * (h._score ?? 0) - 1 }));
      const passageHits = passageRes.map((h) => ({ id: Number(h._id), article: (h._source as { a: number }).a, score: 2 * (h._score ?? 0) - 1 }));
      const lexical = lexicalRes.map((h) => scoredPassage(Number(h._id), h._source as PassageDoc));
      const articleOfPassage = new Map(lexicalRes.map((h) => [Number(h._id), (h._source as PassageDoc).a]));
      this.addTermDocs(part, questionTerms, words, termRes);
      part.setCandidates(lexicalQuestion, lexical);

      // The articles of every candidate, then (rarely) of lexical top hits that the held passages pushed in.
      await this.load(part, [...sentenceHits, ...passageHits].map((h) => h.article).concat(
        [...part.scoreGlobal(lexicalQuestion).keys()].slice(0, tuning.lexicalHits).map((id) => articleOfPassage.get(id) ?? -1),
      ));
      const top = [...part.scoreGlobal(lexicalQuestion).keys()].slice(0, tuning.lexicalHits);
      await this.load(part, top.filter((id) => !part.holdsPassage(id)).map((id) => articleOfPassage.get(id) ?? -1));
      part.setHits(sentenceHits as ClusterHit[], passageHits as ClusterHit[]);

      return {
        index: part.index,
        globalSentence: (id: number) => part.globalSentence(id),
        needWords: (texts: string[]) => this.call(() => this.loadWords(part, texts.flatMap((t) => contentWords(t)))),
        needQuotes: (ranked: ScoredSentence[]) => this.call(() => this.loadFigures(part, ranked)),
      };
    });
  }

  /** Fetches articles (by `ord`) the partial index does not hold yet. */
  private async load(part: PartialIndex, ords: number[]): Promise<void> {
    const wanted = [...new Set(ords)].filter((o) => o >= 0 && !part.has(o));
    if (wanted.length === 0) return;
    const { docs } = await this.client.mget<ArticleDoc>({ index: this.names.articles, ids: wanted.map(String) });
    const found = docs.flatMap((d) => ('found' in d && d.found && d._source ? [d._source] : []));
    if (found.length !== wanted.length) throw new IndexUnavailableError(`${wanted.length - found.length} articles missing from ${this.names.articles}`);
    // In `ord` order (corpus order, new articles after the older ones), so that the held index is the same whatever order hits came in.
    part.addArticles(found.sort((x, y) => x.ord - y.ord));
  }

  private addTermDocs(part: PartialIndex, termList: string[], wordList: string[], hits: Hit[]): void {
    const byId = new Map(hits.map((h) => [h._id, h._source]));
    part.setFrequencies(termList.map((t) => {
      const d = byId.get(`t:${t}`) as TermDoc | undefined;
      return [t, d ? [d.dft, d.dfx, d.df] : [0, 0, 0]];
    }));
    const found = new Map<string, WordDoc>();
    for (const w of wordList) {
      const d = byId.get(`w:${w}`) as WordDoc | undefined;
      if (d) found.set(w, d);
    }
    part.addWords(wordList, found);
  }

  /** Vocabulary vectors of words the partial index has not asked for yet (soft coverage). */
  private async loadWords(part: PartialIndex, words: string[]): Promise<void> {
    const asked = part.unaskedWords(words);
    if (asked.length === 0) return;
    const { docs } = await this.client.mget<WordDoc>({ index: this.names.terms, ids: asked.map((w) => `w:${w}`) });
    const found = new Map<string, WordDoc>();
    docs.forEach((d, i) => {
      if ('found' in d && d.found && d._source) found.set(asked[i], d._source);
    });
    part.addWords(asked, found);
  }

  /**
   * Quote building corroborates a quote's figures ("1,000") with other articles stating them: it asks
   * the lexical store for every passage using the figure. Fetched here for every figure the ranked
   * sentences (and the sentences they may lean on) state, with those passages' articles.
   */
  private async loadFigures(part: PartialIndex, ranked: ScoredSentence[]): Promise<void> {
    const { index } = part;
    const wanted = new Set<string>();
    for (const r of ranked) {
      const ids = index.sentenceLocal[r.id] > 0 ? [r.id - 1, r.id] : [r.id];
      for (const id of ids) {
        const a = index.articles[index.sentenceArticle[id]];
        const s = a.sentences[index.sentenceLocal[id]];
        for (const f of figures(a.text.slice(s.start, s.end))) if (!part.hasCandidates(f)) wanted.add(f);
      }
    }
    if (wanted.size === 0) return;
    const list = [...wanted];
    const figureTerms = [...new Set(list.flatMap((f) => terms(f)))].filter((t) => !part.knowsTerm(t));
    const { responses } = await this.client.msearch({
      searches: [
        ...list.flatMap((f) => [{ index: this.names.passages }, { query: lexicalQuery(terms(f)), size: FIGURE_PASSAGES, _source: ['a', 'title', 'text', 'tl', 'xl'] }]),
        { index: this.names.terms },
        { query: { ids: { values: figureTerms.map((t) => `t:${t}`) } }, size: figureTerms.length },
      ],
    });
    const results = responses.map(hitsOf);
    this.addTermDocs(part, figureTerms, [], results[results.length - 1]);
    const ords: number[] = [];
    list.forEach((f, i) => {
      part.setCandidates(f, results[i].map((h) => scoredPassage(Number(h._id), h._source as PassageDoc)));
      for (const h of results[i]) ords.push((h._source as PassageDoc).a);
    });
    await this.load(part, ords);
  }

  async sources(): Promise<SourceInfo[]> {
    this.sourceList ??= this.call(() => this.readSources()).catch((e: unknown) => {
      this.sourceList = undefined;
      throw e;
    });
    return this.sourceList;
  }

  private async readSources(): Promise<SourceInfo[]> {
    const out: SourceInfo[] = [];
    let after: number | undefined;
    for (;;) {
      const r = await this.client.search<ArticleDoc>({
        index: this.names.articles,
        size: 1000,
        sort: [{ ord: 'asc' }],
        _source: { excludes: ['text', 'sv', 'pv'] },
        ...(after === undefined ? {} : { search_after: [after] }),
      });
      const hits = r.hits.hits;
      for (const h of hits) out.push(sourceInfoOf(h._source!));
      if (hits.length < 1000) return out;
      after = hits[hits.length - 1]._source!.ord;
    }
  }

  async source(id: string): Promise<SourceInfo | undefined> {
    return this.call(async () => {
      const r = await this.client.search<ArticleDoc>({ index: this.names.articles, size: 1, query: { term: { id } }, _source: { excludes: ['text', 'sv', 'pv'] } });
      const doc = r.hits.hits[0]?._source;
      return doc ? sourceInfoOf(doc) : undefined;
    });
  }

  async context(sentenceId: number, radius: number): Promise<QuoteContext | undefined> {
    if (!Number.isInteger(sentenceId) || sentenceId < 0 || sentenceId >= nextIdsOf(this.meta).sentences) return undefined;
    return this.call(async () => {
      const s = await this.client.get<{ a: number }>({ index: this.names.sentences, id: String(sentenceId), _source: ['a'] }, { ignore: [404] });
      if (!s.found || !s._source) return undefined;
      const a = await this.client.get<ArticleDoc>({ index: this.names.articles, id: String(s._source.a), _source_excludes: ['sv', 'pv'] });
      const doc = a._source!;
      const local = sentenceId - doc.firstSentence;
      const n = doc.sentences.length / 2;
      const from = doc.sentences[2 * Math.max(0, local - radius)];
      const to = doc.sentences[2 * Math.min(n - 1, local + radius) + 1];
      return { text: doc.text.slice(from, to), source: citation(doc) };
    });
  }

  /** Closes the client's connections (scripts and tests; a bot keeps it open). */
  async close(): Promise<void> {
    await this.client.close();
  }
}

type Hit = { _id?: string | null; _score?: number | null; _source?: unknown };

/** One msearch response's hits; an item that failed throws (the caller turns it into "unavailable"). */
function hitsOf(r: unknown): Hit[] {
  const item = r as { error?: { type?: string; reason?: string }; hits?: { hits: Hit[] }; _shards?: { failed?: number } };
  if (item.error) throw new IndexUnavailableError(`${item.error.type}: ${item.error.reason}`);
  // Partial results (a shard copy lost mid-search) would silently drop candidates: retried instead.
  if ((item._shards?.failed ?? 0) > 0) throw new IndexUnavailableError(`${item._shards!.failed} shard(s) failed`);
  return item.hits?.hits ?? [];
}

/** BM25 over the passages' title (boost 0.5, as the local store) and body terms. */
function lexicalQuery(list: string[]): object {
  if (list.length === 0) return { match_none: {} };
  const q = list.join(' ');
  return { bool: { should: [{ match: { title: { query: q, boost: 0.5 } } }, { match: { text: { query: q } } }] } };
}

function scoredPassage(id: number, d: PassageDoc): ScoredPassage {
  const split = (s: string) => (s ? s.split(' ') : []);
  return { id, titleTerms: split(d.title), textTerms: split(d.text), titleLength: d.tl, textLength: d.xl };
}

function citation(d: ArticleDoc): Citation {
  return { id: d.id, file: d.file, title: d.title, publisher: d.publisher, date: d.date, url: d.url };
}

function sourceInfoOf(d: ArticleDoc): SourceInfo {
  return { ...citation(d), sentences: d.sentences.length / 2, passages: d.passages.length / 2, firstParagraph: d.firstParagraph };
}

/**
 * The build id behind the aliases, cheaply (the bot's index watcher): undefined when unreachable or empty.
 *
 * @example
 * await probeBuildId(config); // '20261130T120000-ab12cd'
 */
export async function probeBuildId(config: Config, client = openClient(config.elasticsearch)): Promise<string | undefined> {
  try {
    return (await readLiveMeta(client, config.elasticsearch.prefix))?.meta.manifest.buildId;
  } catch {
    return undefined;
  }
}
