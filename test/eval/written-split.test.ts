/** The hand-written news questions: the files the reader trains on never overlap the ones calibration uses. */
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { writtenSplit } from '../../src/eval/selection.js';

test('files 017–020 are held out of training, 001–016 train, and every written question is on an allowed file', () => {
  expect(writtenSplit('sport/016.txt')).toBe('train');
  expect(writtenSplit('sport/017.txt')).toBe('tune');
  expect(writtenSplit('tech/020.txt')).toBe('tune');
  const dir = 'training/questions';
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
  const questions = files.flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { file: string }));
  expect(questions.length).toBeGreaterThan(500);
  for (const q of questions) expect(q.file).toMatch(/^(business|entertainment|politics|sport|tech)\/0(0\d|1\d|20)\.txt$/);
  const tune = questions.filter((q) => writtenSplit(q.file) === 'tune').length;
  expect(tune).toBeGreaterThan(100);
  expect(tune).toBeLessThan(questions.length / 2);
});
