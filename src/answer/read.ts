/**
 * The read stage: the reader (a cross-encoder, `embed/reader.ts`) judges the few best candidate
 * sentences, and its logit is mixed into their score. Only the top candidates are read (one batch per
 * question): the cheap stage already puts the answer sentence among them almost always, and the
 * reader's cost grows with every pair.
 */
import type { Reader } from '../embed/reader.js';
import type { LoadedIndex } from '../index/load.js';
import { sentenceText, type ScoredSentence } from './quotes.js';
import type { Tuning } from './tuning.js';

/**
 * Reads the top `tuning.reader.candidates` sentences and re-ranks them by
 * score + `tuning.reader.weight` × reader logit; the unread rest keeps its order below them.
 * Each read sentence gets its logit in `reader`. With `tuning.reader.first` set, the best `first`
 * are read alone first, and the others only when none of those scores `confident` or more: a
 * question whose answer is plain from the cheap stage pays for one or two pairs, not five.
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
  let head = ranked.slice(0, Math.min(first ?? candidates, candidates));
  if (head.length === 0) return ranked;
  const logits = [...(await reader.score(question, head.map((s) => sentenceText(index, s.id))))];
  if (head.length < candidates && !(confident !== undefined && Math.max(...logits) >= confident)) {
    const rest = ranked.slice(head.length, candidates);
    logits.push(...(await reader.score(question, rest.map((s) => sentenceText(index, s.id)))));
    head = [...head, ...rest];
  }
  const read = head.map((s, i) => ({ ...s, reader: logits[i], score: s.score + weight * logits[i] }));
  read.sort((x, y) => y.score - x.score);
  return [...read, ...ranked.slice(head.length)];
}
