/**
 * The types that carry a question's journey, from corpus files to the answer every face renders.
 * Stages import these; none of them defines its own copy.
 */

/** Where a quote comes from, as every face shows it. */
export interface Citation {
  /** Stable source id: the file path relative to the corpus without its extension, e.g. `business/001`. */
  id: string;
  /** Path relative to the corpus folder, with forward slashes, e.g. `business/001.txt`. */
  file: string;
  title: string;
  publisher: string | null;
  /** ISO date (`2014-12-03`) when known. */
  date: string | null;
  url: string | null;
}

/** One cleaned article, ready to be split and indexed: its citation, its text and its content hash. */
export interface Article extends Citation {
  /** The cleaned text; every quote is a slice of it. */
  text: string;
  /** sha256 of the raw file bytes plus the cleaning version: unchanged hash ⇒ no re-embedding. */
  hash: string;
}

/** A sentence as character offsets into its article's cleaned text. */
export interface Sentence {
  start: number;
  end: number;
}

/** A window of whole consecutive sentences: the unit embedded and searched besides sentences. */
export interface Passage {
  /** Index of its first sentence within the article. */
  first: number;
  /** Index one past its last sentence. */
  last: number;
}

/** A verbatim slice of one article, with its citation. */
export interface Quote {
  /** Exactly `article.text.slice(start, end)`. */
  text: string;
  source: Citation;
  /** Other articles that say the same thing. */
  alsoIn: Citation[];
  /** What those articles say, verbatim (one sentence each, same order as `alsoIn`). */
  alsoQuotes: { text: string; source: Citation; start: number; end: number }[];
  start: number;
  end: number;
  /** Global id of the sentence the quote is centred on (stable within one index). */
  sentenceId: number;
  /** How well it answers, higher is better (not comparable across questions). */
  score: number;
}

/** What the engine returns for one question; rendered by the bot, the terminal and the eval alike. */
export interface Answer {
  /** The question as normalized (mentions removed, whitespace folded, truncated). */
  question: string;
  abstained: boolean;
  /**
   * The evidence clears abstention but not by enough to be sure (abstain.ts, `isTentative`): the quotes are
   * the closest the articles have, and every face says so. Absent means false.
   */
  tentative?: boolean;
  quotes: Quote[];
  /** Something the asker should know: empty question, truncated question, why it abstained. */
  notice?: string;
  /** Whole answer time in milliseconds. */
  ms: number;
  /**
   * Milliseconds by stage; `readMs` is the reader's (absent or 0 without one), and `readPairs` how many
   * question–sentence pairs it read: its cost grows with them.
   */
  timings: { embedMs: number; searchMs: number; selectMs: number; readMs?: number; readPairs?: number };
}
