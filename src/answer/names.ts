/**
 * Names the question uses that no article does. A question about "Ethelred" asked of a corpus that
 * never mentions him cannot be answered from it, however close in topic its sentences are: abstention
 * (abstain.ts) stays silent, and the notice says why. A name is a word written with a capital past the
 * question's first word. It counts as mentioned when some passage uses it; when a candidate passage
 * writes it out (an acronym) or holds a word a typo away ("Primier League" → "Premier League": one
 * edit for 5–7 letters, two from 8, accents ignored). Typos are looked for among the candidates only:
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
  let candidateWords: string[] | undefined;
  const nearby = (word: string) => {
    candidateWords ??= [...new Set(retrieval.candidates.flatMap((c) => contentWords(passageTextOf(index, c.passage))).map(fold))];
    const w = fold(word);
    const edits = w.length >= 8 ? 2 : w.length >= 5 ? 1 : 0;
    return candidateWords.some((c) => c === w || (edits > 0 && Math.abs(c.length - w.length) <= edits && distance(c, w) <= edits));
  };
  const known = (word: string, t: string) => index.lexical.frequency(t) > 0 || (retrieval.alternatives.get(t)?.length ?? 0) > 0 || nearby(word);
  return questionNames(question)
    .filter((n) => !n.words.every((w, i) => known(w, n.terms[i])))
    .map((n) => n.text);
}

/** Without accents: "Hervé" and "Herve" are one name. */
function fold(word: string): string {
  return word.normalize('NFD').replace(/\p{M}/gu, '');
}
