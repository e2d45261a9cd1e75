/**
 * Scores the engine on questions with known answers: the numbers `npm run eval` reports.
 */
import { shouldAbstain } from '../answer/abstain.js';
import type { Engine } from '../answer/engine.js';
import { sentenceText } from '../answer/quotes.js';
import type { Tuning } from '../answer/tuning.js';
import type { Citation } from '../types.js';
import type { EvalQuestion } from './datasets.js';

export interface QuestionResult {
  id: string;
  question: string;
  abstained: boolean;
  /** Answered, but as the closest passages rather than a sure answer (Answer.tentative). */
  tentative: boolean;
  unanswerable: boolean;
  firstQuoteHit: boolean;
  citationHit: boolean;
  hitAt3: boolean;
  /** 1-based rank of the first expected source in the article ranking; 0 when absent. */
  sourceRank: number;
  confidence: number;
  /** The question's names no article mentions (answer/names.ts), when it has any. */
  unknownNames?: string[];
  /** Silent only because of those names: without that rule the engine would have answered. */
  silencedByName: boolean;
  /** Silent, though the sentence the engine ranked first holds the answer: a right answer withheld. */
  silencedRight: boolean;
  ms: number;
  firstQuote?: string;
  firstSource?: string;
}

export interface Metrics {
  questions: number;
  answerable: number;
  unanswerable: number;
  firstQuoteHit: number;
  citationHit: number;
  hitAt3: number;
  recallAt1: number;
  recallAt5: number;
  mrr: number;
  /** Share of unanswerable questions the engine declined (higher is better). */
  abstentionRate: number | null;
  /** Share of answerable questions the engine declined (lower is better). */
  falseAbstentionRate: number;
  /**
   * Share of answerable questions declined although the sentence ranked first holds the answer: the right
   * answers silence cost. The rest of `falseAbstentionRate` is silence instead of a wrong first quote.
   */
  rightAnswerLostRate: number;
  /**
   * Share of unanswerable questions answered as if sure (neither silent nor tentative): the confident
   * non-answers the product must avoid (lower is better).
   */
  confidentNonAnswerRate: number | null;
  /** Share of answerable questions answered tentatively ("the closest passages"). */
  tentativeRate: number;
  /** Among answerable questions answered as sure, the share whose first quote holds the answer. */
  sureFirstQuoteHit: number;
  /** Shares of unanswerable / answerable questions silent only because they name what no article mentions. */
  nameAbstentionRate: number | null;
  nameFalseAbstentionRate: number;
  p50Ms: number;
  p95Ms: number;
}

/**
 * Whether a text holds one of a question's answer strings (case aside): how every figure here, and
 * `npm run calibrate`, decide that a quote or a sentence answers.
 *
 * @example
 * holdsAnswer(['1,000'], 'The roughly 1,000 coalition air missions…'); // true
 * holdsAnswer(['1,000'], undefined);                                   // false
 */
export function holdsAnswer(answers: readonly string[], text: string | undefined): boolean {
  return !!text && answers.some((a) => text.toLowerCase().includes(a.toLowerCase()));
}

function matchesSource(c: Citation, sources: string[]): boolean {
  const base = c.file.split('/').pop();
  return sources.some((s) => s === c.file || s === c.id || s === base);
}

/**
 * Asks every question with the given tuning and scores the answers.
 *
 * @example
 * const { metrics } = await evaluate(engine, readQuestions(file), DEFAULT_TUNING);
 * metrics.firstQuoteHit; // 1
 */
export async function evaluate(
  engine: Engine,
  questions: EvalQuestion[],
  tuning: Tuning,
  onProgress?: (done: number, total: number) => void,
): Promise<{ metrics: Metrics; results: QuestionResult[] }> {
  const saved = { tuning: engine.tuning, readSilenced: engine.readSilenced };
  engine.tuning = tuning;
  // Read every question, so `silencedByName` can say whether it would be silent without the name rule.
  engine.readSilenced = true;
  const results: QuestionResult[] = [];
  try {
    for (const [i, q] of questions.entries()) {
      const { answer, trace } = await engine.answerWithTrace(q.question, { k: 3 });
      const has = (text: string | undefined) => holdsAnswer(q.answers, text);
      const first = answer.quotes[0];
      const rank = (trace?.articleRanking ?? []).findIndex((a) => matchesSource(trace!.view.index.articles[a], q.sources)) + 1;
      results.push({
        id: q.id,
        question: q.question,
        abstained: answer.abstained,
        tentative: answer.tentative === true,
        unanswerable: q.unanswerable,
        firstQuoteHit: has(first?.text),
        citationHit: !!first && (matchesSource(first.source, q.sources) || first.alsoIn.some((c) => matchesSource(c, q.sources))),
        hitAt3: answer.quotes.some((x) => has(x.text)),
        sourceRank: rank,
        confidence: trace?.confidence ?? 0,
        ...(trace?.unknownNames.length ? { unknownNames: trace.unknownNames } : {}),
        silencedByName: !!trace && answer.abstained && !!trace.sentences.length && !shouldAbstain({ ...trace.evidence, unknownName: false }, tuning),
        silencedRight: !!trace && answer.abstained && !q.unanswerable && has(trace.sentences[0] && sentenceText(trace.view.index, trace.sentences[0].id)),
        ms: answer.ms,
        firstQuote: first?.text,
        firstSource: first?.source.file,
      });
      onProgress?.(i + 1, questions.length);
    }
  } finally {
    Object.assign(engine, saved);
  }
  return { metrics: summarize(results), results };
}

export function summarize(results: QuestionResult[]): Metrics {
  const answerable = results.filter((r) => !r.unanswerable);
  const unanswerable = results.filter((r) => r.unanswerable);
  const share = (xs: QuestionResult[], f: (r: QuestionResult) => boolean) => (xs.length ? xs.filter(f).length / xs.length : 0);
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  const pct = (p: number) => (ms.length ? ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] : 0);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    questions: results.length,
    answerable: answerable.length,
    unanswerable: unanswerable.length,
    firstQuoteHit: round(share(answerable, (r) => r.firstQuoteHit)),
    citationHit: round(share(answerable, (r) => r.citationHit)),
    hitAt3: round(share(answerable, (r) => r.hitAt3)),
    recallAt1: round(share(answerable, (r) => r.sourceRank === 1)),
    recallAt5: round(share(answerable, (r) => r.sourceRank >= 1 && r.sourceRank <= 5)),
    mrr: round(answerable.length ? answerable.reduce((s, r) => s + (r.sourceRank ? 1 / r.sourceRank : 0), 0) / answerable.length : 0),
    abstentionRate: unanswerable.length ? round(share(unanswerable, (r) => r.abstained)) : null,
    falseAbstentionRate: round(share(answerable, (r) => r.abstained)),
    rightAnswerLostRate: round(share(answerable, (r) => r.silencedRight)),
    confidentNonAnswerRate: unanswerable.length ? round(share(unanswerable, (r) => !r.abstained && !r.tentative)) : null,
    tentativeRate: round(share(answerable, (r) => r.tentative)),
    sureFirstQuoteHit: round(share(answerable.filter((r) => !r.abstained && !r.tentative), (r) => r.firstQuoteHit)),
    nameAbstentionRate: unanswerable.length ? round(share(unanswerable, (r) => r.silencedByName)) : null,
    nameFalseAbstentionRate: round(share(answerable, (r) => r.silencedByName)),
    p50Ms: round(pct(0.5)),
    p95Ms: round(pct(0.95)),
  };
}
