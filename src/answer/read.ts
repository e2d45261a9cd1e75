/**
 * The read stage: the reader (a cross-encoder, `embed/reader.ts`) judges the few best candidate
 * sentences, and its logit is mixed into their score. Only the top candidates are read, best first,
 * and reading stops once one is plainly an answer: the cheap stage already puts the answer sentence
 * among them almost always, and the reader's cost grows with every pair.
 */
import type { Reader } from '../embed/reader.js';
import type { LoadedIndex } from '../index/load.js';
import { sentenceText, type ScoredSentence } from './quotes.js';
import type { Tuning } from './tuning.js';

/**
 * Reads up to `tuning.reader.candidates` of the best sentences, in their order, and re-ranks them by
 * score + `tuning.reader.weight` × reader logit; the unread rest keeps its order below them. Each read
 * sentence gets its logit in `reader`. With `tuning.reader.first` set, the best `first` are read, then
 * one more at a time only while none read scores `confident` or more: a question whose answer is plain
 * from the cheap stage pays for one pair, not eight (the reader runs pair by pair, so stopping early
 * saves all the rest).
 *
 * @example
 * const ranked = await readSentences(index, reader, question, scoreSentences(…), DEFAULT_TUNING);
 * ranked[0].reader; // 4.2: the reader says it answers
 */
export async function readSentences(
  index: LoadedIndex,
  reader: Reader,
  question: string,
  ranked: ScoredSentence[],
  tuning: Tuning,
): Promise<ScoredSentence[]> {
  const { candidates, first, confident, weight } = tuning.reader;
  const limit = Math.min(candidates, ranked.length);
  const logits: number[] = [];
  const read = async (upTo: number) => logits.push(...(await reader.score(question, ranked.slice(logits.length, upTo).map((s) => sentenceText(index, s.id)))));
  await read(Math.min(first ?? limit, limit));
  while (keepsReading(logits, limit, confident)) await read(logits.length + 1);
  const head = ranked.slice(0, logits.length).map((s, i) => ({ ...s, reader: logits[i], score: s.score + weight * logits[i] }));
  head.sort((x, y) => y.score - x.score);
  return [...head, ...ranked.slice(logits.length)];
}

/**
 * The cascade's rule, once the first sentences are read: read one more while fewer than `limit` are
 * read and none scores `confident` or more (`npm run calibrate` replays logged reads with it).
 *
 * @example
 * keepsReading([0.4, -2], 8, 6); // true: none is plainly an answer yet
 * keepsReading([7.1], 8, 6);     // false
 */
export function keepsReading(logits: readonly number[], limit: number, confident: number | undefined): boolean {
  return logits.length < limit && !(confident !== undefined && Math.max(...logits) >= confident);
}
