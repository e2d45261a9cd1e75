import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { QuestionTerms, SentenceTermTable } from '../../src/index/sentence-terms.js';
import { IndexError } from '../../src/index/format.js';
import { topEntries } from '../../src/answer/retrieve.js';
import { terms } from '../../src/text/terms.js';
import { tempDir } from '../support/env.js';

const SENTENCES = [
  'The Pentagon spokesman, Rear Adm. John Kirby, said the missions continue.',
  'Coalition aircraft have flown 1,000 air missions; air missions continue daily.',
  'Nothing here matches.',
  '',
];
const idf = (t: string) => ({ pentagon: 2, spokesman: 3, mission: 1 })[t] ?? 1;

describe('sentence term table', () => {
  const table = SentenceTermTable.build(SENTENCES);

  it('holds every sentence’s terms as ids, in reading order, with the same stems as the lexical side', () => {
    expect(table.sentences).toBe(4);
    const words = [...table.dictionary.keys()];
    expect([...table.of(0)].map((id) => words[id])).toEqual(terms(SENTENCES[0]));
    expect(table.of(3)).toHaveLength(0);
  });

  it('scores a sentence by the IDF-weighted share of the question’s distinct terms and of its adjacent pairs', () => {
    const q = new QuestionTerms(table, terms('Who is the Pentagon spokesman?'), idf);
    expect(q.terms.map((t) => t.term)).toEqual(['pentagon', 'spokesman']);
    expect(q.match(0)).toEqual({ share: 1, phrase: 1 });
    expect(q.match(2)).toEqual({ share: 0, phrase: 0 });
    // Repeated words count once: "air missions" twice is still one of the question's two pairs.
    const q2 = new QuestionTerms(table, terms('How many air missions has the coalition flown?'), idf);
    const m = q2.match(1);
    expect(q2.terms.map((t) => t.term)).toEqual(['air', 'mission', 'coalit', 'flown']);
    expect(m.share).toBe(1);
    expect(m.phrase).toBeCloseTo(1 / 3); // "air mission" only: the sentence says "coalition aircraft have flown"
  });

  it('counts a word the corpus never uses in the total, so it lowers every share', () => {
    const q = new QuestionTerms(table, terms('Pentagon zeppelin'), idf);
    expect(q.match(0).share).toBeCloseTo(2 / 3);
    expect(q.match(0).phrase).toBe(0);
  });

  it('marks which question terms a sentence holds', () => {
    const q = new QuestionTerms(table, terms('spokesman missions zeppelin'), idf);
    const held = new Uint8Array(q.terms.length);
    q.match(1, held);
    expect([...held]).toEqual([0, 1, 0]);
    q.match(0, held);
    expect([...held]).toEqual([1, 1, 0]);
  });

  it('round-trips through its files and refuses damaged ones with the command to run', () => {
    const dir = tempDir();
    const file = path.join(dir, 'sentence-terms.u32');
    const list = path.join(dir, 'sentence-terms.json');
    table.write(file, list);
    const back = SentenceTermTable.read(file, list, 4);
    for (let s = 0; s < 4; s++) expect([...back.of(s)]).toEqual([...table.of(s)]);
    expect(() => SentenceTermTable.read(file, list, 5)).toThrow(/expected 5.*build-index/s);
    fs.writeFileSync(list, '["only"]');
    expect(() => SentenceTermTable.read(file, list, 4)).toThrow(IndexError);
    fs.truncateSync(file, 6);
    expect(() => SentenceTermTable.read(file, list, 4)).toThrow(/corrupted/);
  });
});

describe('topEntries', () => {
  it('keeps the k highest values, best first, ties in insertion order', () => {
    const m = new Map([[1, 0.5], [2, 3], [3, 1], [4, 3], [5, 0.1], [6, 2]]);
    expect(topEntries(m, 3)).toEqual([[2, 3], [4, 3], [6, 2]]);
    expect(topEntries(m, 10)).toEqual([...m].sort((a, b) => b[1] - a[1]));
    expect(topEntries(m, 0)).toEqual([]);
  });
});
