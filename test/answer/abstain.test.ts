import { describe, expect, it } from 'vitest';
import { answerability, readerMargin, shouldAbstain, type Evidence } from '../../src/answer/abstain.js';
import { DEFAULT_TUNING } from '../../src/answer/tuning.js';

const evidence: Evidence = { reader: 3, cos: 0.8, coverage: 0.9, sentenceCoverage: 0.7, typeMissing: false, readerMargin: 2 };

describe('readerMargin', () => {
  it('is the best logit minus the second best, whatever the order read', () => {
    expect(readerMargin([2.5, -1, 0.5])).toBe(2);
    expect(readerMargin([-4, 1, 3])).toBe(2);
  });

  it('is 0 with fewer than two logits, and capped at 10', () => {
    expect(readerMargin([])).toBe(0);
    expect(readerMargin([4])).toBe(0);
    expect(readerMargin([6, -9])).toBe(10);
  });
});

describe('answerability and shouldAbstain', () => {
  it('weighs each piece of evidence by its weight', () => {
    const model = { bias: -1, reader: 0.5, cos: 1, coverage: 0, sentenceCoverage: 0, typeMissing: -2, readerMargin: 0.25 };
    expect(answerability(evidence, model)).toBeCloseTo(-1 + 1.5 + 0.8 + 0.5);
    expect(answerability({ ...evidence, typeMissing: true }, model)).toBeCloseTo(-0.2);
  });

  it('abstains below the cosine floor whatever the reader says', () => {
    const tuning = DEFAULT_TUNING;
    expect(shouldAbstain({ ...evidence, reader: 9, readerMargin: 10, cos: tuning.abstain.floor - 0.01 }, tuning)).toBe(true);
  });

  it('on the same topic, a reader sure of one sentence answers and one that doubts them all abstains', () => {
    const onTopic = { ...evidence, cos: 0.6, coverage: 0.5, sentenceCoverage: 0.4 };
    expect(shouldAbstain({ ...onTopic, reader: 5, readerMargin: 6 }, DEFAULT_TUNING)).toBe(false);
    expect(shouldAbstain({ ...onTopic, reader: -6, readerMargin: 0.1, typeMissing: true }, DEFAULT_TUNING)).toBe(true);
  });
});
