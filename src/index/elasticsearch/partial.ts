/**
 * The index one question is answered with when the corpus lives in the cluster: only the articles that
 * question's candidates come from, shaped as a `LoadedIndex` so the unchanged engine pipeline runs on
 * it. Ids inside are local (0… in the order articles were added); `globalSentence` turns a local
 * sentence id back into the cluster's. Its vector stores replay the cluster's kNN hits; its lexical
 * store scores candidates exactly as MiniSearch does (bm25.ts), from the cluster's statistics.
 */
import { passageBody } from '../../text/passages.js';
import { terms } from '../../text/terms.js';
import type { IndexedArticle, Int8Vectors, Manifest } from '../format.js';
import type { LexicalIndex } from '../lexical.js';
import type { LoadedIndex } from '../load.js';
import { SentenceTermTable } from '../sentence-terms.js';
import type { VectorHit, VectorStore } from '../vector-store.js';
import { fieldLength, miniSearchScores, type LexicalStats, type ScoredPassage } from './bm25.js';
import type { ArticleDoc, BuildMeta, WordDoc } from './layout.js';

/** A kNN hit from the cluster, by global id, with the article holding it. */
export interface ClusterHit {
  id: number;
  article: number;
  score: number;
}

/** Search results replayed: the cluster already searched, with the engine's own k. */
class ReplayStore implements VectorStore {
  constructor(
    readonly size: number,
    private readonly hits: VectorHit[] = [],
  ) {}

  async search(_query: Float32Array, k: number): Promise<VectorHit[]> {
    return this.hits.slice(0, k);
  }

  async save(): Promise<void> {
    /* the cluster persists itself */
  }
}

/** Decodes base64 float32 rows (copied: a Buffer's bytes need not be 4-aligned). */
function floats(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/**
 * Builds up a question's index article by article.
 *
 * @example
 * const part = new PartialIndex(meta, 'elasticsearch:verbatim');
 * part.addArticles(docs);
 * part.setHits(sentenceHits, passageHits);
 * await retrieve(part.index, q, question, tuning);
 */
export class PartialIndex implements LexicalIndex {
  readonly index: LoadedIndex;
  private readonly dim: number;
  private readonly docs: ArticleDoc[] = [];
  private readonly articleOf = new Map<number, number>();
  private readonly sentenceOf = new Map<number, number>();
  private readonly passageOf = new Map<number, number>();
  private globalSentences: number[] = [];
  private readonly passageTerms = new Map<number, ScoredPassage>();
  /** Per query text: the candidates the cluster found for it (by global passage id). */
  private readonly clusterCandidates = new Map<string, ScoredPassage[]>();
  /** Term → [passages with it in the title, in the body, in either]. */
  private readonly df = new Map<string, [number, number, number]>();
  /** Words already asked for (found or not), so a word is fetched once. */
  private readonly askedWords = new Set<string>();
  private readonly stats: LexicalStats;

  constructor(
    private readonly meta: BuildMeta,
    dir: string,
  ) {
    const manifest: Manifest = meta.manifest;
    this.dim = manifest.embedding.dim;
    this.stats = {
      documents: meta.lexical.documents,
      averageFieldLength: meta.lexical.averageFieldLength,
      df: (t) => {
        const d = this.df.get(t);
        return d ? [d[0], d[1]] : [0, 0];
      },
    };
    this.index = {
      dir,
      manifest,
      articles: [],
      sentenceVectors: new Float32Array(0),
      passageVectors: new Float32Array(0),
      sentenceStore: new ReplayStore(manifest.counts.sentences),
      passageStore: new ReplayStore(manifest.counts.passages),
      lexical: this,
      sentenceTerms: SentenceTermTable.build([]),
      vocabulary: new Map(),
      vocabularyVectors: { dim: this.dim, codes: new Int8Array(0), scales: new Float32Array(0) },
      sentenceArticle: new Uint32Array(0),
      sentenceLocal: new Uint32Array(0),
      sentencePassage: new Uint32Array(0),
      passageArticle: new Uint32Array(0),
      passageLocal: new Uint32Array(0),
      firstSentence: new Uint32Array(0),
      firstPassage: new Uint32Array(0),
    };
  }

  /** Whether the article (by its position in the corpus) is held. */
  has(ord: number): boolean {
    return this.articleOf.has(ord);
  }

  /** Whether the passage (global id) is held. */
  holdsPassage(id: number): boolean {
    return this.passageOf.has(id);
  }

  /** The global id of a local sentence id. */
  globalSentence(local: number): number {
    return this.globalSentences[local];
  }

  /** Adds articles (those already held are skipped); local ids of earlier articles do not change. */
  addArticles(docs: ArticleDoc[]): void {
    const fresh = docs.filter((d) => !this.articleOf.has(d.ord));
    if (fresh.length === 0) return;
    for (const d of fresh) {
      this.articleOf.set(d.ord, this.docs.length);
      this.docs.push(d);
    }
    this.rebuild();
  }

  private rebuild(): void {
    const dim = this.dim;
    const articles: IndexedArticle[] = this.docs.map((d) => {
      const { ord: _o, sentences, passages, firstSentence: _s, firstPassage: _p, firstParagraph: _f, sv: _sv, pv: _pv, ...rest } = d;
      return {
        ...rest,
        sentences: Array.from({ length: sentences.length / 2 }, (_, i) => ({ start: sentences[2 * i], end: sentences[2 * i + 1] })),
        passages: Array.from({ length: passages.length / 2 }, (_, i) => ({ first: passages[2 * i], last: passages[2 * i + 1] })),
      };
    });
    const nS = articles.reduce((n, a) => n + a.sentences.length, 0);
    const nP = articles.reduce((n, a) => n + a.passages.length, 0);
    const ix = this.index;
    ix.articles = articles;
    ix.sentenceVectors = new Float32Array(nS * dim);
    ix.passageVectors = new Float32Array(nP * dim);
    ix.sentenceArticle = new Uint32Array(nS);
    ix.sentenceLocal = new Uint32Array(nS);
    ix.sentencePassage = new Uint32Array(nS);
    ix.passageArticle = new Uint32Array(nP);
    ix.passageLocal = new Uint32Array(nP);
    ix.firstSentence = new Uint32Array(articles.length);
    ix.firstPassage = new Uint32Array(articles.length);
    this.globalSentences = new Array<number>(nS);
    this.sentenceOf.clear();
    this.passageOf.clear();
    let s = 0;
    let p = 0;
    articles.forEach((a, ai) => {
      const doc = this.docs[ai];
      ix.firstSentence[ai] = s;
      ix.firstPassage[ai] = p;
      ix.sentenceVectors.set(floats(doc.sv), s * dim);
      ix.passageVectors.set(floats(doc.pv), p * dim);
      a.passages.forEach((pass, pi) => {
        ix.passageArticle[p + pi] = ai;
        ix.passageLocal[p + pi] = pi;
        this.passageOf.set(doc.firstPassage + pi, p + pi);
        for (let k = pass.first; k < pass.last; k++) ix.sentencePassage[s + k] = p + pi;
      });
      a.sentences.forEach((_, si) => {
        ix.sentenceArticle[s + si] = ai;
        ix.sentenceLocal[s + si] = si;
        this.sentenceOf.set(doc.firstSentence + si, s + si);
        this.globalSentences[s + si] = doc.firstSentence + si;
      });
      s += a.sentences.length;
      p += a.passages.length;
    });
    ix.sentenceTerms = SentenceTermTable.build(articles.flatMap((a) => a.sentences.map((x) => a.text.slice(x.start, x.end))));
  }

  /** The cluster's kNN hits, as the engine's vector stores will return them (articles must be held). */
  setHits(sentences: ClusterHit[], passages: ClusterHit[]): void {
    const local = (hits: ClusterHit[], map: Map<number, number>) =>
      hits.flatMap((h) => {
        const id = map.get(h.id);
        return id === undefined ? [] : [{ id, score: h.score }];
      });
    this.index.sentenceStore = new ReplayStore(this.meta.manifest.counts.sentences, local(sentences, this.sentenceOf));
    this.index.passageStore = new ReplayStore(this.meta.manifest.counts.passages, local(passages, this.passageOf));
  }

  /** Records what the cluster found for a lexical query text (scored exactly in `query`). */
  setCandidates(text: string, candidates: ScoredPassage[]): void {
    this.clusterCandidates.set(text, candidates);
  }

  /** Whether the cluster was already asked for this query text's candidates. */
  hasCandidates(text: string): boolean {
    return this.clusterCandidates.has(text);
  }

  /** Records terms' document frequencies: [title, body, either]. */
  setFrequencies(entries: Iterable<[string, [number, number, number]]>): void {
    for (const [t, d] of entries) this.df.set(t, d);
  }

  /** How many passages use the term (LexicalIndex; known for the question's terms, fetched with it). */
  frequency(t: string): number {
    return this.df.get(t)?.[2] ?? 0;
  }

  /** Whether a term's frequencies were fetched. */
  knowsTerm(t: string): boolean {
    return this.df.has(t);
  }

  /** Words not yet asked for. */
  unaskedWords(words: Iterable<string>): string[] {
    return [...new Set(words)].filter((w) => !this.askedWords.has(w));
  }

  /** Adds vocabulary words' vectors; `asked` lists every word asked for (found or not). */
  addWords(asked: string[], found: Map<string, WordDoc>): void {
    for (const w of asked) this.askedWords.add(w);
    if (found.size === 0) return;
    const dim = this.dim;
    const old = this.index.vocabularyVectors;
    const n = this.index.vocabulary.size;
    const codes = new Int8Array((n + found.size) * dim);
    const scales = new Float32Array(n + found.size);
    codes.set(old.codes);
    scales.set(old.scales);
    let row = n;
    for (const [word, doc] of found) {
      const bytes = Buffer.from(doc.c, 'base64');
      codes.set(new Int8Array(bytes.buffer, bytes.byteOffset, dim), row * dim);
      scales[row] = doc.s;
      this.index.vocabulary.set(word, row++);
    }
    this.index.vocabularyVectors = { dim, codes, scales } satisfies Int8Vectors;
  }

  /**
   * MiniSearch's scores for the held passages and the cluster's candidates for this text, by local
   * passage id (candidates whose article is not held are left out: the caller fetched those it needs).
   */
  query(text: string): Map<number, number> {
    return this.localScores(this.scoreGlobal(text));
  }

  /** Exact scores by global passage id, best first. */
  scoreGlobal(text: string): Map<number, number> {
    const candidates = new Map<number, ScoredPassage>();
    for (const c of this.clusterCandidates.get(text) ?? []) candidates.set(c.id, c);
    for (const gid of this.passageOf.keys()) candidates.set(gid, this.heldPassage(gid));
    return miniSearchScores(text, candidates.values(), this.stats);
  }

  private localScores(global: Map<number, number>): Map<number, number> {
    const out = new Map<number, number>();
    for (const [gid, score] of global) {
      const local = this.passageOf.get(gid);
      if (local !== undefined) out.set(local, score);
    }
    return out;
  }

  private heldPassage(gid: number): ScoredPassage {
    let p = this.passageTerms.get(gid);
    if (!p) {
      const local = this.passageOf.get(gid)!;
      const a = this.index.articles[this.index.passageArticle[local]];
      const body = passageBody(a.text, a.sentences, a.passages[this.index.passageLocal[local]]);
      p = { id: gid, titleTerms: terms(a.title), textTerms: terms(body), titleLength: fieldLength(a.title), textLength: fieldLength(body) };
      this.passageTerms.set(gid, p);
    }
    return p;
  }

  idf(t: string): number {
    const n = this.df.get(t)?.[2] ?? 0;
    return Math.log(1 + (this.meta.lexical.documents - n + 0.5) / (n + 0.5));
  }
}
