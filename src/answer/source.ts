/**
 * Where the engine reads the index from, per question. The local store holds the whole index in
 * memory and answers every question with it; a remote store (Elasticsearch) answers each question
 * with a small index of the articles that question needs, fetched from the cluster. One pipeline
 * serves both: `Engine` only ever sees a `LoadedIndex`.
 */
import type { LoadedIndex } from '../index/load.js';
import type { QuoteContext, SourceInfo } from './api.js';
import { citationOf } from './quotes.js';
import type { ScoredSentence } from './quotes.js';
import type { Tuning } from './tuning.js';

/** The index one question is answered with, and what it may still need to fetch. */
export interface QuestionIndex {
  index: LoadedIndex;
  /** The global (whole-index) id of one of `index`'s sentence ids: quotes carry global ids (`context()`). */
  globalSentence(id: number): number;
  /** Fetches the vocabulary vectors of these texts' words (soft coverage); the local store has them all. */
  needWords?(texts: string[]): Promise<void>;
  /** Fetches what quote building reads beyond the candidates (articles with the quotes' figures). */
  needQuotes?(ranked: ScoredSentence[], tuning: Tuning): Promise<void>;
}

/** An index the engine answers from. */
export interface IndexSource {
  readonly buildId: string;
  /** The whole index when this process holds it in memory (the local store); undefined for a remote one. */
  readonly loaded: LoadedIndex | undefined;
  /** The index to answer one question with (the question's vector and text decide what a remote store fetches). */
  forQuestion(q: Float32Array, question: string, tuning: Tuning): Promise<QuestionIndex>;
  sources(): Promise<SourceInfo[]>;
  source(id: string): Promise<SourceInfo | undefined>;
  context(sentenceId: number, radius: number): Promise<QuoteContext | undefined>;
}

/**
 * `/source`'s view of an article of an in-memory index.
 *
 * @example
 * sourceInfo(index, 0).firstParagraph; // 'The US-led coalition …'
 */
export function sourceInfo(index: LoadedIndex, i: number): SourceInfo {
  const a = index.articles[i];
  const firstBreak = a.text.indexOf('\n\n');
  return {
    ...citationOf(index, i),
    sentences: a.sentences.length,
    passages: a.passages.length,
    firstParagraph: (firstBreak < 0 ? a.text : a.text.slice(0, firstBreak)).trim(),
  };
}

/**
 * The sentences around sentence `id` of an in-memory index, or undefined for an id it does not hold.
 *
 * @example
 * contextIn(index, 17, 2)?.text; // sentences 15–19 of the same article, verbatim
 */
export function contextIn(index: LoadedIndex, sentenceId: number, radius: number): QuoteContext | undefined {
  if (!Number.isInteger(sentenceId) || sentenceId < 0 || sentenceId >= index.sentenceArticle.length) return undefined;
  const a = index.sentenceArticle[sentenceId];
  const local = index.sentenceLocal[sentenceId];
  const article = index.articles[a];
  const from = article.sentences[Math.max(0, local - radius)];
  const to = article.sentences[Math.min(article.sentences.length - 1, local + radius)];
  return { text: article.text.slice(from.start, to.end), source: citationOf(index, a) };
}

/**
 * The local store: the whole index in this process, the same for every question.
 *
 * @example
 * const engine = new Engine(new LocalSource(await loadIndex('index', embedder.info)), embedder);
 */
export class LocalSource implements IndexSource {
  private readonly whole: QuestionIndex;

  constructor(readonly loaded: LoadedIndex) {
    this.whole = { index: loaded, globalSentence: (id) => id };
  }

  get buildId(): string {
    return this.loaded.manifest.buildId;
  }

  async forQuestion(): Promise<QuestionIndex> {
    return this.whole;
  }

  async sources(): Promise<SourceInfo[]> {
    return this.loaded.articles.map((_, i) => sourceInfo(this.loaded, i));
  }

  async source(id: string): Promise<SourceInfo | undefined> {
    const i = this.loaded.articles.findIndex((a) => a.id === id);
    return i < 0 ? undefined : sourceInfo(this.loaded, i);
  }

  async context(sentenceId: number, radius: number): Promise<QuoteContext | undefined> {
    return contextIn(this.loaded, sentenceId, radius);
  }
}
