import { describe, expect, test } from 'vitest';
import { renderAnswer } from '../../src/cli/render.js';
import { TENTATIVE } from '../../src/answer/engine.js';
import type { Answer } from '../../src/types.js';

const source = { id: 'a', file: 'a.txt', title: 'Coalition strikes', publisher: 'DW', date: '2014-12-03', url: null };
const answer = (extra: Partial<Answer>): Answer => ({
  question: 'q',
  abstained: false,
  quotes: [{ text: 'The coalition has flown 1,000 missions.', source, alsoIn: [], alsoQuotes: [], start: 0, end: 39, sentenceId: 0, score: 1 }],
  ms: 12,
  timings: { embedMs: 1, searchMs: 1, selectMs: 1 },
  ...extra,
});

describe('the terminal answer', () => {
  test('a tentative answer opens with its "not sure" line, then the quotes', () => {
    const lines = renderAnswer(answer({ tentative: true, notice: TENTATIVE })).split('\n');
    expect(lines[0]).toBe(TENTATIVE);
    expect(lines[2]).toBe('[1] The coalition has flown 1,000 missions.');
  });

  test('a sure answer opens with its first quote', () => {
    expect(renderAnswer(answer({})).split('\n')[0]).toBe('[1] The coalition has flown 1,000 missions.');
  });
});
