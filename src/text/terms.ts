/**
 * Words → index terms for the lexical side (BM25 and the sentence picker): lower-cased, stop words
 * dropped, Porter-stemmed (`stemmer`), so "missions" matches "mission" and "flown" stays distinct.
 */
import { stemmer } from 'stemmer';

const STOP = new Set(
  ('a about above after again against all am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing down during each few for from further had has have having he her here hers herself him ' +
    'himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or ' +
    'other our ours ourselves out over own same she should so some such than that the their theirs them themselves then ' +
    'there these they this those through to too under until up very was we were what when where which while who whom ' +
    'why will with would you your yours yourself yourselves s t don said says say also many much')
    .split(' '),
);

const WORD = /[\p{L}\p{N}]+(?:[.'’-][\p{L}\p{N}]+)*/gu;

/**
 * Splits a text into lower-case words; hyphenated words give their parts.
 *
 * @example
 * words('U.S.-led coalition flew 1,000 missions'); // ['u.s', 'led', 'coalition', 'flew', '1000', 'missions']
 */
export function words(text: string): string[] {
  // Join digit groups ("1,000" → "1000") so numbers match whether written with separators or not.
  const normalized = text.replace(/(\d),(?=\d{3}\b)/g, '$1');
  const out: string[] = [];
  for (const m of normalized.matchAll(WORD)) {
    for (const part of m[0].toLowerCase().split(/[-]/)) if (part) out.push(part.replace(/[’']s$/, '').replace(/[’']/g, ''));
  }
  return out;
}

/**
 * Turns one word into its index term, or null for a stop word.
 *
 * @example
 * term('Missions'); // 'mission'
 * term('the');      // null
 */
export function term(word: string): string | null {
  let t = termCache.get(word);
  if (t === undefined) {
    const w = word.toLowerCase().replace(/\./g, '');
    t = w.length === 0 || STOP.has(w) ? null : /^\d/.test(w) ? w : stemmer(w);
    // Stemming is the costly part of matching words, and a corpus reuses few distinct words.
    if (termCache.size >= 500_000) termCache.clear();
    termCache.set(word, t);
  }
  return t;
}
const termCache = new Map<string, string | null>();

/**
 * The index terms of a text, in order, duplicates kept.
 *
 * @example
 * terms('How many air missions has the coalition flown?'); // ['mani', 'air', 'mission', 'coalit', 'flown']
 */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const w of words(text)) {
    const t = term(w);
    if (t) out.push(t);
  }
  return out;
}

/**
 * The distinct words of a text that carry meaning (not stop words), lower-cased, unstemmed.
 *
 * @example
 * contentWords('The Pentagon spokesman said'); // ['pentagon', 'spokesman']
 */
export function contentWords(text: string): string[] {
  return [...new Set(words(text).filter((w) => term(w) !== null).map((w) => w.replace(/\./g, '')))];
}
