/**
 * Soft word coverage: how much of what the question asks about is present in a passage, counting a
 * word as present when the passage holds it or a word close to it in meaning ("spokesperson" ~
 * "spokesman"). Off-corpus questions that share a topic but not the specifics ("When did ISIL pledge
 * allegiance to al-Qaeda?") keep their specific words uncovered; that is what abstention weighs.
 */
import type { Embedder } from '../embed/embedder.js';
import type { LoadedIndex } from '../index/load.js';
import { contentWords, term } from '../text/terms.js';
import { dotInt8 } from '../index/format.js';

export interface QuestionWord {
  word: string;
  term: string;
  idf: number;
  /** Row of `vectors` holding the word's embedding. */
  row: number;
}

/**
 * Words that name the kind of answer wanted ("In which *city*…", "What is the *name* of…") rather
 * than something the passage must mention: coverage does not ask the passage for them.
 */
const ANSWER_NOUNS = new Set(
  ('city cities country countries place places year years month months day days date dates time times name names ' +
    'kind kinds type types sort person people company companies organization organisation number amount ' +
    'percentage reason way happen happened take took').split(' '),
);

/**
 * The question's content words with their IDF and vectors: looked up in the index's vocabulary, or
 * embedded in one batch. Embedded as `passage`s, as the build embedded the vocabulary: a word is
 * compared with words, so both sides must carry the same prefix (e5's `passage: `).
 *
 * @example
 * const { words, vectors } = await questionWords(index, embedder, 'Who is the Pentagon spokesman?');
 * words.map((w) => w.word); // ['pentagon', 'spokesman']
 */
export async function questionWords(
  index: LoadedIndex,
  embedder: Embedder,
  question: string,
): Promise<{ words: QuestionWord[]; vectors: Float32Array }> {
  const list = contentWords(question).filter((w) => !ANSWER_NOUNS.has(w));
  const unknown = list.filter((w) => !index.vocabulary.has(w));
  const fresh = unknown.length ? await embedder.embedCached(unknown, 'passage') : [];
  const dim = index.manifest.embedding.dim;
  const vectors = new Float32Array(list.length * dim);
  const words = list.map((word, i) => {
    const known = index.vocabulary.get(word);
    if (known === undefined) vectors.set(fresh[unknown.indexOf(word)], i * dim);
    else {
      const { codes, scales } = index.vocabularyVectors;
      for (let d = 0; d < dim; d++) vectors[i * dim + d] = codes[known * dim + d] * scales[known];
    }
    const t = term(word) as string;
    return { word, term: t, idf: index.lexical.idf(t), row: i };
  });
  return { words, vectors };
}

/**
 * IDF-weighted soft coverage (0…1) of the question's words by a passage's words.
 *
 * @example
 * softCoverage(index, q.words, q.vectors, 'Pentagon spokesman Rear Admiral John Kirby said…'); // 0.93
 */
export function softCoverage(
  index: LoadedIndex,
  words: QuestionWord[],
  vectors: Float32Array,
  text: string,
  /** Term → runs of terms that also cover it (an acronym written out in the passage). */
  alternatives?: ReadonlyMap<string, string[][]>,
): number {
  if (words.length === 0) return 0;
  const passageWords = contentWords(text);
  const passageTerms = new Set(passageWords.map((w) => term(w)));
  const rows = passageWords.map((w) => index.vocabulary.get(w)).filter((r): r is number => r !== undefined);
  let covered = 0;
  let total = 0;
  for (const w of words) {
    total += w.idf;
    if (passageTerms.has(w.term) || alternatives?.get(w.term)?.some((run) => run.every((t) => passageTerms.has(t)))) {
      covered += w.idf;
      continue;
    }
    let best = 0;
    for (const r of rows) best = Math.max(best, dotInt8(vectors, w.row, index.vocabularyVectors, r));
    covered += w.idf * best;
  }
  return total > 0 ? covered / total : 0;
}
