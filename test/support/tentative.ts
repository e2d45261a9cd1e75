/**
 * A question the engine answers tentatively ("not sure these answer it"), for the faces' tests. The
 * candidates are on-topic questions the seed articles leave open (from eval/seed-unanswerable.jsonl);
 * the first the engine, as tuned, neither abstains on nor answers as sure is used, so a retuning that
 * moves one of them does not break the faces' tests (but none tentative fails them).
 */
import { expect } from 'vitest';
import type { AnswerEngine } from '../../src/answer/api.js';
import type { Answer } from '../../src/types.js';

const OPEN_QUESTIONS = [
  'How many Syrian refugees are living in Turkey?',
  'Who commands the Syrian Democratic Forces?',
  'Which Iraqi province did the Iranian jets strike?',
  'How many air strikes did Iran carry out against IS?',
  'Who represented Russia at the Brussels coalition talks?',
];

/**
 * @example
 * const { question, answer } = await tentativeQuestion(engine);
 * answer.tentative; // true
 */
export async function tentativeQuestion(engine: AnswerEngine): Promise<{ question: string; answer: Answer }> {
  for (const question of OPEN_QUESTIONS) {
    const answer = await engine.answer(question);
    if (answer.tentative) return { question, answer };
  }
  expect.fail(`none of ${OPEN_QUESTIONS.length} on-topic questions the seeds leave open was answered tentatively`);
}
