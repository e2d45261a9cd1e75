import { describe, expect, it } from 'vitest';
import { splitSentences } from '../../src/text/sentences.js';
import { packPassages } from '../../src/text/passages.js';

const cut = (text: string) => splitSentences(text).map((s) => text.slice(s.start, s.end));

describe('splitSentences', () => {
  it('does not split inside titles, ranks and dotted acronyms', () => {
    const text =
      'U.S. Secretary of State John Kerry spoke in Brussels. Pentagon spokesman Rear Admiral John Kirby agreed. ' +
      'Rear Adm. John Kirby said so. Mr. Smith met Dr. Jones at 3 p.m. Tuesday. The U.N. General Assembly met.';
    expect(cut(text)).toEqual([
      'U.S. Secretary of State John Kerry spoke in Brussels.',
      'Pentagon spokesman Rear Admiral John Kirby agreed.',
      'Rear Adm. John Kirby said so.',
      'Mr. Smith met Dr. Jones at 3 p.m. Tuesday.',
      'The U.N. General Assembly met.',
    ]);
  });

  it('ends a sentence after an acronym when a new sentence clearly starts', () => {
    expect(cut('He lives in the U.S. The move surprised nobody.')).toEqual(['He lives in the U.S.', 'The move surprised nobody.']);
  });

  it('keeps numbers, quotes and question marks right', () => {
    expect(cut('He paid $4.5 million. "Will it work?" she asked. It did!')).toEqual(['He paid $4.5 million.', '"Will it work?" she asked.', 'It did!']);
  });

  it('never lets a sentence cross a line break, and gives exact offsets', () => {
    const text = 'STRATEGY SOUGHT\nBritish ministers spoke.\n\n  Indented line here.  ';
    const sentences = splitSentences(text);
    expect(sentences.map((s) => text.slice(s.start, s.end))).toEqual(['STRATEGY SOUGHT', 'British ministers spoke.', 'Indented line here.']);
    for (const s of sentences) expect(text.slice(s.start, s.end)).toBe(text.slice(s.start, s.end).trim());
  });

  it('drops bullets and punctuation-only pieces', () => {
    expect(cut('•\n— \nReal sentence.')).toEqual(['Real sentence.']);
  });
});

describe('packPassages', () => {
  const words = (s: string) => s.split(/\s+/).length + 2; // a stand-in tokenizer: words + [CLS]/[SEP]
  const text = Array.from({ length: 12 }, (_, i) => `Sentence number ${i} has exactly seven words.`).join(' ');
  const sentences = splitSentences(text);

  it('covers every sentence once, in order, with whole sentences', () => {
    const passages = packPassages(text, sentences, words, 0, { maxTokens: 20, softTokens: 10 });
    expect(passages[0].first).toBe(0);
    expect(passages[passages.length - 1].last).toBe(sentences.length);
    for (let i = 1; i < passages.length; i++) expect(passages[i].first).toBe(passages[i - 1].last);
    for (const p of passages) expect(p.last).toBeGreaterThan(p.first);
  });

  it('keeps each passage within the token limit, title prefix included', () => {
    const passages = packPassages(text, sentences, words, 5, { maxTokens: 20, softTokens: 100 });
    for (const p of passages) {
      const tokens = 5 + sentences.slice(p.first, p.last).reduce((s, x) => s + words(text.slice(x.start, x.end)) - 2, 0);
      expect(tokens).toBeLessThanOrEqual(20);
    }
    expect(passages.length).toBe(6); // 7 words each: two sentences (14) + prefix 5 = 19 ≤ 20
  });

  it('prefers to close a passage at a paragraph break', () => {
    const t = 'One two three four. Five six seven eight.\n\nNine ten eleven twelve. Thirteen fourteen fifteen sixteen.';
    const ps = packPassages(t, splitSentences(t), words, 0, { maxTokens: 100, softTokens: 6 });
    expect(ps).toEqual([{ first: 0, last: 2 }, { first: 2, last: 4 }]);
  });
});
