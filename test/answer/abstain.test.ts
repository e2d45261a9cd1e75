import { describe, expect, it } from 'vitest';
import { answerability, isTentative, offCorpus, shouldAbstain, type Evidence } from '../../src/answer/abstain.js';
import { DEFAULT_TUNING } from '../../src/answer/tuning.js';

const evidence: Evidence = { reader: 3, cos: 0.8, coverage: 0.9, sentenceCoverage: 0.7, typeMissing: false, unknownName: false };

describe('answerability and shouldAbstain', () => {
  it('weighs each piece of evidence by its weight', () => {
    const model = { bias: -1, reader: 0.5, cos: 1, coverage: 0, sentenceCoverage: 0, typeMissing: -2 };
    expect(answerability(evidence, model)).toBeCloseTo(-1 + 1.5 + 0.8);
    expect(answerability({ ...evidence, typeMissing: true }, model)).toBeCloseTo(-0.7);
  });

  it('abstains below the cosine floor whatever the reader says', () => {
    const tuning = DEFAULT_TUNING;
    expect(shouldAbstain({ ...evidence, reader: 9, cos: tuning.abstain.floor - 0.01 }, tuning)).toBe(true);
  });

  it('abstains when the question names what no article mentions, with or without the reader', () => {
    expect(shouldAbstain({ ...evidence, reader: 9 }, DEFAULT_TUNING)).toBe(false);
    expect(shouldAbstain({ ...evidence, reader: 9, unknownName: true }, DEFAULT_TUNING)).toBe(true);
    expect(shouldAbstain({ ...evidence, reader: null, cos: 0.99, coverage: 1, unknownName: true }, DEFAULT_TUNING)).toBe(true);
  });

  it('off the corpus (below the floor, or an unknown name) means silence whatever the reader says; nothing else does', () => {
    const { floor } = DEFAULT_TUNING.abstain;
    expect(offCorpus({ cos: floor - 0.01, unknownName: false }, DEFAULT_TUNING)).toBe(true);
    expect(offCorpus({ cos: 0.99, unknownName: true }, DEFAULT_TUNING)).toBe(true);
    expect(offCorpus({ cos: floor, unknownName: false }, DEFAULT_TUNING)).toBe(false);
    for (const e of [{ ...evidence, cos: floor - 0.01 }, { ...evidence, unknownName: true }]) {
      expect(offCorpus(e, DEFAULT_TUNING)).toBe(true);
      expect(shouldAbstain({ ...e, reader: 9 }, DEFAULT_TUNING)).toBe(true);
    }
  });

  it('on the same topic, a reader sure of one sentence answers and one that doubts them all abstains', () => {
    const onTopic = { ...evidence, cos: 0.6, coverage: 0.5, sentenceCoverage: 0.4 };
    expect(shouldAbstain({ ...onTopic, reader: 5 }, DEFAULT_TUNING)).toBe(false);
    expect(shouldAbstain({ ...onTopic, reader: -6, typeMissing: true }, DEFAULT_TUNING)).toBe(true);
  });
});

describe('isTentative', () => {
  const model = { bias: 0, reader: 1, cos: 0, coverage: 0, sentenceCoverage: 0, typeMissing: 0 };
  const tuning = { ...DEFAULT_TUNING, abstain: { ...DEFAULT_TUNING.abstain, floor: 0.3, model, sure: 2 } };

  it('answers between 0 and the sure line are tentative; at or above it, sure', () => {
    expect(isTentative({ ...evidence, reader: 1 }, tuning)).toBe(true);
    expect(isTentative({ ...evidence, reader: 2 }, tuning)).toBe(false);
    expect(isTentative({ ...evidence, reader: 5 }, tuning)).toBe(false);
  });

  it('an abstention is not tentative, nor is anything without the reader or with the line at 0', () => {
    expect(isTentative({ ...evidence, reader: -1 }, tuning)).toBe(false);
    expect(isTentative({ ...evidence, reader: 1, cos: 0.1 }, tuning)).toBe(false);
    expect(isTentative({ ...evidence, reader: null }, tuning)).toBe(false);
    expect(isTentative({ ...evidence, reader: 1 }, { ...tuning, abstain: { ...tuning.abstain, sure: 0 } })).toBe(false);
  });
});
