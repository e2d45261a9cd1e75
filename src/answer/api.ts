/**
 * The answer engine's public surface, shared by the bot, the terminal `ask` and the eval.
 * Faces depend on this interface only, so they never compute an answer of their own.
 */
import type { Answer, Citation } from '../types.js';

export interface AnswerOptions {
  /** How many quotes to return (default 3, at most 10). */
  k?: number;
  /** Skip this many quotes first: "More passages" asks for k quotes from offset k. */
  offset?: number;
}

/** An article as `/source` and `/sources` show it. */
export interface SourceInfo extends Citation {
  /** Number of sentences indexed for it. */
  sentences: number;
  /** Number of passages (windows of sentences) indexed for it. */
  passages: number;
  /** The article's first paragraph, verbatim. */
  firstParagraph: string;
}

/** The sentences around a quote, verbatim, for "Show context". */
export interface QuoteContext {
  text: string;
  source: Citation;
}

export interface AnswerEngine {
  /**
   * Answers one question with verbatim quotes, or abstains.
   *
   * @example
   * const a = await engine.answer('How many air missions has the coalition flown?');
   * a.quotes[0].text; // 'Using an Arabic acronym for the IS, Kerry said: "The roughly 1,000 …'
   */
  answer(question: string, options?: AnswerOptions): Promise<Answer>;
  /**
   * Every article of the index, in corpus order. Async like the rest: a remote engine (a search
   * cluster, the answer service) answers over the network.
   */
  sources(): Promise<SourceInfo[]>;
  /** One article by its source id. */
  source(id: string): Promise<SourceInfo | undefined>;
  /** The quote's sentence with `radius` sentences either side (same article). */
  context(sentenceId: number, radius?: number): Promise<QuoteContext | undefined>;
  /** Identifies the loaded index build (changes when the index is rebuilt). */
  readonly buildId: string;
}
