/**
 * Sentence segmentation with character offsets into the cleaned article.
 *
 * `Intl.Segmenter` (ICU, built into Node) does the Unicode-aware work; on top of it we re-join the
 * breaks it makes after abbreviations ("U.S. Secretary", "Rear Adm. John Kirby", "Mr. Smith"), which
 * ICU without its suppression data splits. Lines (paragraphs) never share a sentence.
 */
import type { Sentence } from '../types.js';

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

/** Abbreviations that are (almost) never the end of a sentence: titles and the like. */
const TITLES = new Set(
  ('mr mrs ms dr prof gen adm lt col capt cmdr sgt maj cpl pvt sen rep gov pres supt insp det ' +
    'st mt ft jr sr rev hon fr sr messrs mme mlle vs etc al no nos vol fig approx dept univ corp inc ltd co bros ' +
    'jan feb mar apr jun jul aug sep sept oct nov dec').split(' '),
);

/** Words that typically begin a sentence; after "U.S." they suggest the sentence really ended. */
const STARTERS = new Set(
  ('the a an he she it they we i you this that these those there his her its their our but and so yet ' +
    'in on at for if when while after before as however meanwhile earlier later also then').split(' '),
);

/** True when a break after `before` (text up to the break) should be undone given the text after it. */
function isFalseBreak(before: string, after: string): boolean {
  const m = /(\S+)\s*$/.exec(before);
  if (!m) return false;
  const last = m[1];
  const next = /^\s*(\S+)/.exec(after)?.[1] ?? '';
  if (next === '') return false;
  // '"Will it work?" she asked', "3 p.m. Tuesday", "U.S.-led": a sentence never starts lower-case.
  if (/^[a-z]/.test(next)) return true;
  if (!last.endsWith('.')) return false;
  if (/^[0-9]/.test(next)) return true;
  const word = last.slice(0, -1).replace(/^[("'“‘[]+/, '');
  if (TITLES.has(word.toLowerCase())) return !(word.toLowerCase() === 'no' && !/^\d/.test(next));
  // Dotted acronyms and initials: "U.S.", "U.N.", "J." — join unless a typical sentence start follows.
  if (/^([A-Za-z]\.)*[A-Za-z]$/.test(word)) {
    return !STARTERS.has(next.replace(/[^A-Za-z]/g, '').toLowerCase());
  }
  return false;
}

/**
 * Splits a cleaned text into sentences, as `[start, end)` offsets with surrounding white space trimmed.
 *
 * @example
 * const text = 'U.S. Secretary of State John Kerry spoke. Rear Adm. John Kirby agreed.';
 * splitSentences(text).map((s) => text.slice(s.start, s.end));
 * // ['U.S. Secretary of State John Kerry spoke.', 'Rear Adm. John Kirby agreed.']
 */
export function splitSentences(text: string): Sentence[] {
  const out: Sentence[] = [];
  const lineRe = /[^\n]+/g;
  for (let line = lineRe.exec(text); line; line = lineRe.exec(text)) {
    const base = line.index;
    const pieces: { start: number; end: number }[] = [];
    for (const seg of segmenter.segment(line[0])) {
      const start = base + seg.index;
      const end = start + seg.segment.length;
      const prev = pieces[pieces.length - 1];
      if (prev && isFalseBreak(text.slice(prev.start, prev.end), seg.segment)) prev.end = end;
      else pieces.push({ start, end });
    }
    for (const p of pieces) {
      const trimmed = trim(text, p.start, p.end);
      if (trimmed) out.push(trimmed);
    }
  }
  return out;
}

function trim(text: string, start: number, end: number): Sentence | null {
  while (start < end && /\s/.test(text[start])) start++;
  while (end > start && /\s/.test(text[end - 1])) end--;
  // A lone bullet or punctuation mark is not a sentence.
  if (!/[\p{L}\p{N}]/u.test(text.slice(start, end))) return null;
  return { start, end };
}
