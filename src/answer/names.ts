/**
 * Names the question uses that no article does. A question about "Ethelred" asked of a corpus that
 * never mentions him cannot be answered from it, however close in topic its sentences are: abstention
 * (abstain.ts) stays silent, and the notice says why. A name is a word written with a capital past the
 * question's first word. It counts as mentioned when some passage uses it; when a candidate passage
 * writes it out (an acronym) or holds a word a typo away ("Primier League" → "Premier League": one
 * edit for 5–7 letters, two from 8, a swap of two neighbouring letters counting as one, accents ignored), or
 * two neighbouring words it runs together ("Superbowl"). Typos are looked for among the candidates only:
 * the question's other words find the passage that spells the name right.
 */
import { distance } from 'fastest-levenshtein';
import type { LoadedIndex } from '../index/load.js';
import { contentWords, term } from '../text/terms.js';
import { passageTextOf, type Retrieval } from './retrieve.js';

/** A word of the question written as a name: as written (for the notice), its words and their index terms (one each). */
export interface QuestionName {
  text: string;
  words: string[];
  terms: string[];
}

/**
 * The question's names: its capitalised words past the first. A question in Title Case or capitals
 * has none (its capitals do not mark names).
 *
 * @example
 * questionNames('Who kicked Ethelred out of England?').map((n) => n.text); // ['Ethelred', 'England']
 * questionNames('Who Is The Leader Of Hezbollah?');                        // []
 */
export function questionNames(question: string): QuestionName[] {
  const tokens = question.split(/\s+/).filter(Boolean);
  const capitalised = tokens.slice(1).filter((t) => /^[("“‘']?\p{Lu}/u.test(t));
  if (tokens.length >= 4 && capitalised.length > (tokens.length - 1) / 2) return [];
  const names: QuestionName[] = [];
  for (const token of capitalised) {
    // In "Halloween-themed" only "Halloween" is a name.
    const parts = token.split(/[-‐–]/).filter((part) => /^[("“‘']?\p{Lu}/u.test(part));
    const words = contentWords(parts.join(' '));
    const terms = words.flatMap((w) => term(w) ?? []);
    const text = parts.join('-').replace(/^[("“‘']+|[)"”’'?!.,;:]+$/g, '').replace(/[’']s$/, '');
    if (terms.length && !names.some((n) => n.text === text)) names.push({ text, words, terms });
  }
  return names;
}

/**
 * The question's names that no passage mentions, nor a candidate passage writes out or spells a typo
 * away, as written in the question.
 *
 * @example
 * unknownNames(index, 'Who kicked Ethelred out?', retrieval); // ['Ethelred'] on the news corpus
 */
export function unknownNames(index: LoadedIndex, question: string, retrieval: Retrieval): string[] {
  // Only a word the corpus never uses costs a look at the candidates' words (rare), gathered once.
  let candidates: { words: string[]; joined: Set<string> } | undefined;
  const nearby = (word: string) => {
    candidates ??= candidateWords(index, retrieval);
    const w = fold(word);
    const edits = w.length >= 8 ? 2 : w.length >= 5 ? 1 : 0;
    // "Superbowl" for "Super Bowl": a name of six letters or more written as one word.
    if (w.length >= 6 && candidates.joined.has(w)) return true;
    return candidates.words.some(
      (c) => c === w || (edits > 0 && Math.abs(c.length - w.length) <= edits && (distance(c, w) <= edits || swapsOne(c, w))),
    );
  };
  const known = (word: string, t: string) => index.lexical.frequency(t) > 0 || (retrieval.alternatives.get(t)?.length ?? 0) > 0 || nearby(word);
  return questionNames(question)
    .filter((n) => !n.words.every((w, i) => known(w, n.terms[i])))
    .map((n) => n.text);
}

/** The candidate passages' content words, and each two neighbouring words run together ("super bowl" → "superbowl"), lower case, without accents. */
function candidateWords(index: LoadedIndex, retrieval: Retrieval): { words: string[]; joined: Set<string> } {
  const texts = retrieval.candidates.map((c) => passageTextOf(index, c.passage));
  const joined = new Set<string>();
  for (const text of texts) {
    const tokens = fold(text.toLowerCase()).match(/\p{L}+/gu) ?? [];
    for (let i = 1; i < tokens.length; i++) joined.add(tokens[i - 1] + tokens[i]);
  }
  return { words: [...new Set(texts.flatMap((t) => contentWords(t)).map(fold))], joined };
}

/**
 * Two neighbouring letters swapped, the commonest typo ("Gegeen" → "Geegen"), which Levenshtein counts as
 * two edits: counted as one here.
 *
 * @example
 * swapsOne('kirby', 'kibry'); // true
 * swapsOne('kirby', 'kirbi'); // false
 */
export function swapsOne(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const diff: number[] = [];
  for (let i = 0; i < a.length && diff.length <= 2; i++) if (a[i] !== b[i]) diff.push(i);
  return diff.length === 2 && diff[1] === diff[0] + 1 && a[diff[0]] === b[diff[1]] && a[diff[1]] === b[diff[0]];
}

/** Without accents: "Hervé" and "Herve" are one name. */
function fold(word: string): string {
  return word.normalize('NFD').replace(/\p{M}/gu, '');
}
