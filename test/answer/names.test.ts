/**
 * Names no article mentions (src/answer/names.ts): which words of a question are names, and, on the
 * seed corpus with the real model, silence that says which name the articles never mention, while a
 * typo in a name the articles do use still gets its answer.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/answer/engine.js';
import { questionNames, swapsOne } from '../../src/answer/names.js';
import { seedEngine } from '../support/env.js';

describe('questionNames', () => {
  it('takes the capitalised words past the first, as written, without punctuation or possessive', () => {
    expect(questionNames('Who kicked Ethelred out of England?').map((n) => n.text)).toEqual(['Ethelred', 'England']);
    expect(questionNames("What did (Kerry) say about Turkey's role?").map((n) => n.text)).toEqual(['Kerry', 'Turkey']);
    expect(questionNames('Where is the Anglo-Norman border?')[0]).toEqual({ text: 'Anglo-Norman', words: ['anglo', 'norman'], terms: ['anglo', 'norman'] });
    expect(questionNames('What Peanuts special is Halloween-themed?').map((n) => [n.text, n.words])).toEqual([['Peanuts', ['peanuts']], ['Halloween', ['halloween']]]);
  });

  it('finds none in a question without capitals past the first, or written in Title Case or capitals', () => {
    expect(questionNames('How many air missions has the coalition flown?')).toEqual([]);
    expect(questionNames('Who Is The Leader Of Hezbollah?')).toEqual([]);
    expect(questionNames('WHO IS THE LEADER OF HEZBOLLAH?')).toEqual([]);
  });
});

describe('swapsOne', () => {
  it('is true only for two neighbouring letters swapped', () => {
    expect(swapsOne('gegeen', 'geegen')).toBe(true);
    expect(swapsOne('kirby', 'kibry')).toBe(true);
    expect(swapsOne('kirby', 'kirby')).toBe(false); // no swap at all
    expect(swapsOne('kirby', 'kbrix')).toBe(false); // two letters apart, and another change
    expect(swapsOne('kirby', 'yrbik')).toBe(false);
    expect(swapsOne('kirby', 'kirb')).toBe(false);
  });
});

describe('a name no article mentions (seed corpus, real model)', () => {
  let seeds: Engine;
  beforeAll(async () => {
    seeds = await seedEngine();
  });

  it('is silent, and says which name the articles never mention', async () => {
    const answer = await seeds.answer('Who is the leader of Hezbollah?');
    expect(answer.abstained).toBe(true);
    expect(answer.quotes).toEqual([]);
    expect(answer.notice).toContain('The articles never mention “Hezbollah”.');
    const two = await seeds.answer('What did Ethelred tell Rollo about the coalition?');
    expect(two.notice).toContain('The articles never mention “Ethelred” or “Rollo”.');
  });

  it('still answers when a name the articles use is mistyped, or its acronym is written out in them', async () => {
    const right = await seeds.answer('Who is the Pentagon spokesman?');
    expect(right.abstained).toBe(false);
    // "Pentegon" is in no article; "Pentagon", one letter away, is in the candidates.
    const typo = await seeds.trace('Who is the Pentegon spokesman?');
    expect(typo.unknownNames).toEqual([]);
    expect(typo.evidence.unknownName).toBe(false);
    expect((await seeds.trace('Who is the Pentagonian spokesman?')).unknownNames).toEqual(['Pentagonian']);
    // Two neighbouring letters swapped in a five-letter name (Levenshtein: two edits); "Kibry" is in no article.
    expect((await seeds.trace('What did the spokesman Kibry say about the air strikes?')).unknownNames).toEqual([]);
    expect((await seeds.trace('What did the spokesman Kbiyr say about the air strikes?')).unknownNames).toEqual(['Kbiyr']);
    // Two words of a candidate run together.
    expect((await seeds.trace('What did the Statedepartment say about Iran?')).unknownNames).toEqual([]);
    // "SDF" is never written as such: the candidates spell out "Syrian Democratic Forces".
    expect((await seeds.trace('What did the SDF say about Raqqa?')).unknownNames).not.toContain('SDF');
  });
});
