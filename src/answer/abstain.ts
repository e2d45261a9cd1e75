/**
 * Abstention: a decision from evidence, not a single similarity. "On topic" (the best sentence is
 * close in meaning, the passage holds the question's words) is not "answers it"; what tells them apart:
 * - the reader's judgement of the best sentence (trained with groups that hold no answer);
 * - whether the question's words — the rare ones weigh most: names, places, the thing counted — are in
 *   the best sentence itself or the one it leans on, not merely somewhere in its passage;
 * - whether that sentence holds what the question asks for (a number for "how many", a date for "when").
 * A question naming what no article mentions (names.ts) cannot be answered from them, whatever else holds.
 * The weights are a logistic model fitted by `npm run calibrate` on answerable and on-topic
 * unanswerable development questions (never the sets the eval reports).
 */
import type { Tuning } from './tuning.js';

/** What the engine knows about its best sentence when deciding to answer. */
export interface Evidence {
  /** The reader's highest logit among the sentences it read (null: no reader, or not run because silence was certain). */
  reader: number | null;
  /** Cosine of question and best sentence. */
  cos: number;
  /** Soft coverage of the question's words by the best sentence's passage (0…1). */
  coverage: number;
  /** Soft coverage of the question's words by the best sentence and the one it leans on (0…1). */
  sentenceCoverage: number;
  /** The question asks for a kind of answer (number, date, person…) and the sentence has none. */
  typeMissing: boolean;
  /** The question names something no article mentions (names.ts): the corpus cannot be about it. */
  unknownName: boolean;
}

/** Logistic weights over the evidence; answer when the weighted sum is ≥ 0. */
export interface AbstainModel {
  bias: number;
  reader: number;
  cos: number;
  coverage: number;
  sentenceCoverage: number;
  typeMissing: number;
}

/**
 * How strongly the evidence says "this answers it": ≥ 0 answers, < 0 abstains.
 *
 * @example
 * answerability({ reader: 3.1, cos: 0.85, coverage: 0.9, sentenceCoverage: 0.8, typeMissing: false, unknownName: false }, model); // 2.4
 */
export function answerability(e: Evidence, m: AbstainModel): number {
  return (
    m.bias +
    m.reader * (e.reader ?? 0) +
    m.cos * e.cos +
    m.coverage * e.coverage +
    m.sentenceCoverage * e.sentenceCoverage +
    m.typeMissing * (e.typeMissing ? 1 : 0)
  );
}

/**
 * Whether to stay silent. Below the cosine floor, or naming what no article mentions, the question is
 * off the corpus whatever else holds; with the reader, the fitted model decides; without it, the older
 * rule (cosine + weighted passage coverage against a threshold).
 *
 * @example
 * shouldAbstain(evidence, DEFAULT_TUNING); // true for "Who is the leader of Hezbollah?" on the seeds
 */
export function shouldAbstain(e: Evidence, tuning: Tuning): boolean {
  const { threshold, coverage } = tuning.abstain;
  if (offCorpus(e, tuning)) return true;
  if (e.reader === null) return e.cos + coverage * e.coverage < threshold;
  return answerability(e, tuning.abstain.model) < 0;
}

/**
 * Silence whatever the reader would say: the best sentence is below the cosine floor, or the question names
 * what no article mentions. The engine does not run the reader for such a question.
 *
 * @example
 * offCorpus({ cos: 0.12, unknownName: false }, DEFAULT_TUNING); // true: far from every sentence
 */
export function offCorpus(e: Pick<Evidence, 'cos' | 'unknownName'>, tuning: Tuning): boolean {
  return e.cos < tuning.abstain.floor || e.unknownName;
}

/**
 * Whether an answer that clears abstention is still tentative: the fitted model says "answers" (≥ 0), but
 * not by `tuning.abstain.sure`. Its quotes are then shown as the closest the articles have, not as the
 * answer: an on-topic question the articles leave open mostly lands here rather than in silence, and a
 * reader that cannot tell which is which should say so rather than sound sure. Only with the reader
 * (`sure` is measured on its model's score); never when the answer abstains anyway.
 *
 * @example
 * isTentative(evidence, DEFAULT_TUNING); // true when 0 ≤ answerability(evidence, model) < tuning.abstain.sure
 */
export function isTentative(e: Evidence, tuning: Tuning): boolean {
  if (e.reader === null || shouldAbstain(e, tuning)) return false;
  return answerability(e, tuning.abstain.model) < tuning.abstain.sure;
}
