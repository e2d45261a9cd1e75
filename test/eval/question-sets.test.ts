/**
 * The measurement sets in eval/: they parse, have the counts and fields the eval needs, stay apart
 * (no question in two sets, none copied from the shared seed questions), and every BBC source file
 * exists in its slice of ../shared/datasets/bbc-news. Cheap: no model, no index.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readQuestions, type EvalQuestion } from '../../src/eval/datasets.js';
import { BBC_SLICES, fileFilter } from '../../src/eval/selection.js';

const BBC = path.resolve('../shared/datasets/bbc-news');
const SEED_QUESTIONS = path.resolve('../shared/eval/seed-questions.jsonl');
const haveShared = fs.existsSync(BBC);
if (!haveShared) {
  if (process.env.CI === 'true') throw new Error(`${BBC} is missing: the question-set checks need ../shared on CI`);
  console.warn(`SKIPPED: BBC source checks, ${BBC} is missing (they run when ../shared is present, and are required when CI=true)`);
}

const sets = {
  seedUnanswerable: readQuestions('eval/seed-unanswerable.jsonl'),
  bbcDev: readQuestions(BBC_SLICES.dev.questions),
  bbcTest: readQuestions(BBC_SLICES.test.questions),
};
const answerable = (qs: EvalQuestion[]) => qs.filter((q) => !q.unanswerable);
const unanswerable = (qs: EvalQuestion[]) => qs.filter((q) => q.unanswerable);
const norm = (q: string) => q.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();

describe('eval question sets', () => {
  it('seed-unanswerable: 36+ unanswerable questions with unique ids, including the four reported examples', () => {
    const qs = sets.seedUnanswerable;
    expect(qs.length).toBeGreaterThanOrEqual(36);
    expect(qs.every((q) => q.unanswerable && q.answers.length === 0 && q.sources.length === 0)).toBe(true);
    expect(new Set(qs.map((q) => q.id)).size).toBe(qs.length);
    const texts = qs.map((q) => q.question);
    for (const example of [
      'Who is the leader of Hezbollah?',
      "Who is Turkey's foreign minister?",
      'How many civilians were killed in the air strikes?',
      'Where will the next coalition meeting take place?',
    ]) {
      expect(texts).toContain(example);
    }
  });

  for (const [name, qs] of [['bbc-dev', sets.bbcDev], ['bbc-test', sets.bbcTest]] as const) {
    it(`${name}: ~40 answerable (answers and one-slice sources) and ~40 unanswerable questions`, () => {
      expect(answerable(qs).length).toBeGreaterThanOrEqual(40);
      expect(unanswerable(qs).length).toBeGreaterThanOrEqual(40);
      expect(new Set(qs.map((q) => q.id)).size).toBe(qs.length);
      for (const q of answerable(qs)) {
        expect(q.answers.length, q.id).toBeGreaterThan(0);
        expect(q.sources.length, q.id).toBeGreaterThan(0);
        for (const s of q.sources) expect(s, q.id).toMatch(/^(business|entertainment|politics|sport|tech)\/\d{3}\.txt$/);
      }
      for (const q of unanswerable(qs)) expect(q.answers.length + q.sources.length, q.id).toBe(0);
    });
  }

  it('sources stay in their slice: dev questions cite files 001-020 only, test questions 021-040 only', () => {
    const dev = fileFilter(BBC_SLICES.dev.include);
    const test = fileFilter(BBC_SLICES.test.include);
    for (const q of answerable(sets.bbcDev)) for (const s of q.sources) expect(dev(s), `${q.id} ${s}`).toBe(true);
    for (const q of answerable(sets.bbcTest)) for (const s of q.sources) expect(test(s), `${q.id} ${s}`).toBe(true);
  });

  it('no question appears in two sets or is copied from the shared seed questions', () => {
    const all = [...sets.seedUnanswerable, ...sets.bbcDev, ...sets.bbcTest].map((q) => norm(q.question));
    expect(new Set(all).size).toBe(all.length);
    if (fs.existsSync(SEED_QUESTIONS)) {
      const seed = new Set(readQuestions(SEED_QUESTIONS).map((q) => norm(q.question)));
      expect(all.filter((q) => seed.has(q))).toEqual([]);
    }
  });

  it.skipIf(!haveShared)('every source file exists and holds one of its answers (case-insensitive)', () => {
    for (const q of [...answerable(sets.bbcDev), ...answerable(sets.bbcTest)]) {
      const texts = q.sources.map((s) => {
        const file = path.join(BBC, s);
        expect(fs.existsSync(file), `${q.id}: ${s} missing`).toBe(true);
        return fs.readFileSync(file, 'utf8').toLowerCase();
      });
      expect(
        texts.some((t) => q.answers.some((a) => t.includes(a.toLowerCase()))),
        `${q.id}: no answer string in its sources`,
      ).toBe(true);
    }
  });
});
