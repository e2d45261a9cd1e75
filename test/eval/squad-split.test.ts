/**
 * The SQuAD split and the held-out-paragraph (on-topic unanswerable) selection, on a tiny synthetic
 * SQuAD, plus the file selection and index keys behind `--include` / `--bbc`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSquadDocs } from '../../src/eval/datasets.js';
import { fileFilter, indexKey } from '../../src/eval/selection.js';
import { isHeldOut, readSplit, splitQuestions, squadHoldout } from '../../src/eval/squad-split.js';

function tinySquad(): string {
  const para = (doc: string, i: number, answer: string, context?: string) => ({
    context: context ?? `${doc} paragraph ${i} says the answer is ${answer}.`,
    qas: [{ id: `${doc}-${i}`, question: `What does ${doc} paragraph ${i} say?`, answers: [{ text: answer }] }],
  });
  const data = {
    data: [
      // 9 paragraphs: 3 and 7 are held out. Paragraph 7's answer ("Lisbon") also occurs in paragraph 0.
      {
        title: 'Alpha',
        paragraphs: Array.from({ length: 9 }, (_, i) =>
          i === 0 ? para('Alpha', 0, 'Porto', 'Alpha paragraph 0 mentions LISBON and says the answer is Porto.') : para('Alpha', i, i === 7 ? 'Lisbon' : `A${i}x`),
        ),
      },
      { title: 'Beta', paragraphs: Array.from({ length: 5 }, (_, i) => para('Beta', i, `B${i}x`)) },
      { title: 'Gamma', paragraphs: Array.from({ length: 3 }, (_, i) => para('Gamma', i, `G${i}x`)) },
    ],
  };
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'verbatim-squad-')), 'squad.json');
  fs.writeFileSync(file, JSON.stringify(data));
  return file;
}

describe('SQuAD held-out paragraphs', () => {
  it('holds out every 4th paragraph (0-based 3, 7, 11, …), none of an article shorter than 4', () => {
    expect([...Array(12).keys()].filter((i) => isHeldOut(i))).toEqual([3, 7, 11]);
    expect([0, 1, 2].some((i) => isHeldOut(i))).toBe(false);
  });

  it('removes only the split articles’ held-out paragraphs, and drops questions answered elsewhere in the article', () => {
    const docs = readSquadDocs(tinySquad());
    const h = squadHoldout(docs, ['Alpha', 'Gamma']);
    expect(h.heldOut).toEqual(['00-Alpha/003', '00-Alpha/007']);
    // Beta is outside the split: all 5 paragraphs stay; Gamma has 3, none held out.
    expect(h.articles).toHaveLength(9 - 2 + 5 + 3);
    expect(h.articles.map((a) => a.file)).not.toContain('00-Alpha/003');
    expect(h.articles.map((a) => a.file)).toContain('01-Beta/003');
    // Paragraph 7's answer "Lisbon" is in paragraph 0 (case-insensitive): dropped, not asked.
    expect(h.dropped.map((q) => q.id)).toEqual(['Alpha-7']);
    expect(h.unanswerable.map((q) => q.id)).toEqual(['Alpha-3']);
    expect(h.unanswerable.every((q) => q.unanswerable && q.answers.length === 0)).toBe(true);
    // Answerable: the split articles' kept paragraphs, against the same index.
    expect(h.answerable.map((q) => q.id)).toEqual([
      ...[0, 1, 2, 4, 5, 6, 8].map((i) => `Alpha-${i}`),
      ...[0, 1, 2].map((i) => `Gamma-${i}`),
    ]);
    expect(h.answerable.every((q) => !q.unanswerable)).toBe(true);
  });

  it('is deterministic, and an unknown split title is an error', () => {
    const file = tinySquad();
    expect(squadHoldout(readSquadDocs(file), ['Alpha'])).toEqual(squadHoldout(readSquadDocs(file), ['Alpha']));
    expect(() => squadHoldout(readSquadDocs(file), ['Delta'])).toThrow(/Delta/);
  });

  it('split questions are those of the split articles only', () => {
    const docs = readSquadDocs(tinySquad());
    const qs = splitQuestions(docs, ['Beta']);
    expect(qs.map((q) => q.id)).toEqual([0, 1, 2, 3, 4].map((i) => `Beta-${i}`));
  });

  it('training/splits.json: test, tune and train are disjoint', () => {
    const [test, tune, train] = [readSplit('test'), readSplit('tune'), readSplit('train')];
    const all = [...test, ...tune, ...train];
    expect(test.length).toBeGreaterThan(0);
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('corpus file selection', () => {
  it('number ranges and globs pick the BBC slices', () => {
    const dev = fileFilter('001-020');
    expect(['business/001.txt', 'tech/020.txt'].every(dev)).toBe(true);
    expect(['business/021.txt', 'tech/000.txt', 'README.TXT'].some(dev)).toBe(false);
    const glob = fileFilter('*/0[0-1][0-9].txt,*/020.txt');
    expect(glob('sport/019.txt') && glob('sport/020.txt')).toBe(true);
    expect(glob('sport/021.txt') || glob('a/b/019.txt')).toBe(false);
    expect(fileFilter('**/*.md')('a/b/c.md')).toBe(true);
  });

  it('index keys differ by selection', () => {
    const a = indexKey('corpus-bbc', ['business/001.txt']);
    expect(indexKey('corpus-bbc', ['business/002.txt'])).not.toBe(a);
    expect(indexKey('corpus-bbc')).not.toBe(a);
    expect(indexKey('corpus-bbc', ['business/001.txt'])).toBe(a);
    expect(a).toMatch(/^[\w.-]+$/);
  });
});
