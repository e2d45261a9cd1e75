/**
 * Hybrid retrieval: candidates from three retrievers (HNSW over sentences, HNSW over passages, BM25
 * over passages), then every candidate passage re-scored exactly with a weighted sum of normalised
 * signals. Measured on SQuAD and the seed questions, this beats reciprocal rank fusion (see README).
 */
import type { LoadedIndex } from '../index/load.js';
import { terms } from '../text/terms.js';
import { withoutAnswerTypeWords } from './answer-type.js';
import type { Tuning } from './tuning.js';
import { dotRow } from './vectors.js';

export interface PassageCandidate {
  passage: number;
  /** Cosine of the question with the passage. */
  passageCos: number;
  /** Best cosine of the question with one of the passage's sentences, and that sentence's id. */
  sentenceCos: number;
  bestSentence: number;
  /** BM25 divided by the best BM25 of this question (0…1). */
  lexical: number;
  /** Fused score. */
  score: number;
}

export interface Retrieval {
  candidates: PassageCandidate[];
  /** The question's distinct index terms, with their IDF. */
  questionTerms: { term: string; idf: number }[];
  /** The question's pairs of adjacent terms. */
  questionBigrams: Set<string>;
}

/**
 * Gathers and scores candidate passages for a question vector, best first.
 *
 * @example
 * const { candidates } = retrieve(index, qVector, 'Who is the Pentagon spokesman?', DEFAULT_TUNING);
 * index.articles[index.passageArticle[candidates[0].passage]].title;
 */
export function retrieve(index: LoadedIndex, q: Float32Array, question: string, tuning: Tuning): Retrieval {
  const ids = new Set<number>();
  for (const h of index.sentenceStore.search(q, tuning.sentenceHits)) ids.add(index.sentencePassage[h.id]);
  for (const h of index.passageStore.search(q, tuning.passageHits)) ids.add(h.id);
  const lexicalQuestion = withoutAnswerTypeWords(question);
  const bm25 = index.lexical.query(lexicalQuestion);
  let maxBm25 = 0;
  const lexicalRanked = [...bm25.entries()].sort((a, b) => b[1] - a[1]);
  if (lexicalRanked.length > 0) maxBm25 = lexicalRanked[0][1];
  for (const [id] of lexicalRanked.slice(0, tuning.lexicalHits)) ids.add(id);

  const { fusion } = tuning;
  const questionList = terms(lexicalQuestion);
  const questionTerms = [...new Set(questionList)].map((term) => ({ term, idf: index.lexical.idf(term) }));
  const idfTotal = questionTerms.reduce((sum, t) => sum + t.idf, 0) || 1;
  const questionBigrams = bigrams(questionList);
  const candidates: PassageCandidate[] = [];
  for (const p of ids) {
    const passageCos = dotRow(q, index.passageVectors, p);
    const a = index.passageArticle[p];
    const pass = index.articles[a].passages[index.passageLocal[p]];
    let sentenceCos = -1;
    let bestSentence = -1;
    let sentenceLexical = 0;
    let phrase = 0;
    for (let s = index.firstSentence[a] + pass.first; s < index.firstSentence[a] + pass.last; s++) {
      const c = dotRow(q, index.sentenceVectors, s);
      if (c > sentenceCos) {
        sentenceCos = c;
        bestSentence = s;
      }
      if (fusion.sentenceLexical > 0 || fusion.phrase > 0) {
        const st = sentenceTerms(index, s);
        sentenceLexical = Math.max(sentenceLexical, weightedShare(st.terms, questionTerms, idfTotal));
        phrase = Math.max(phrase, share(st.bigrams, questionBigrams));
      }
    }
    const lexical = maxBm25 > 0 ? (bm25.get(p) ?? 0) / maxBm25 : 0;
    const score =
      fusion.passage * passageCos +
      fusion.sentence * sentenceCos +
      fusion.lexical * lexical +
      fusion.sentenceLexical * sentenceLexical +
      fusion.phrase * phrase;
    candidates.push({ passage: p, passageCos, sentenceCos, bestSentence, lexical, score });
  }
  if (fusion.local > 0) addLocalShare(index, candidates, questionTerms, fusion.local);
  candidates.sort((x, y) => y.score - x.score);
  return { candidates, questionTerms, questionBigrams };
}

/**
 * Question words that every candidate holds (the topic: "Super Bowl" among Super Bowl paragraphs)
 * cannot tell the candidates apart; words only some hold can. This weighs each question term by its
 * rarity among the candidates themselves and adds the share a passage holds to its score.
 */
function addLocalShare(index: LoadedIndex, candidates: PassageCandidate[], questionTerms: { term: string }[], weight: number): void {
  const held = candidates.map((c) => {
    const a = index.passageArticle[c.passage];
    const pass = index.articles[a].passages[index.passageLocal[c.passage]];
    const present = new Set<string>();
    for (let s = index.firstSentence[a] + pass.first; s < index.firstSentence[a] + pass.last; s++) {
      for (const t of sentenceTerms(index, s).terms) present.add(t);
    }
    return present;
  });
  const n = candidates.length;
  const idf = questionTerms.map(({ term }) => {
    const df = held.filter((h) => h.has(term)).length;
    return df === 0 ? 0 : Math.log(1 + (n - df + 0.5) / (df + 0.5));
  });
  const total = idf.reduce((sum, x) => sum + x, 0);
  if (total === 0) return;
  candidates.forEach((c, i) => {
    let got = 0;
    questionTerms.forEach(({ term }, k) => held[i].has(term) && (got += idf[k]));
    c.score += (weight * got) / total;
  });
}

/** A sentence's index terms and its pairs of adjacent terms ("pentagon spokesman"). */
export interface SentenceTerms {
  terms: Set<string>;
  bigrams: Set<string>;
}

/**
 * The index terms of a sentence, computed once per sentence and kept (stemming is the costly part).
 *
 * @example
 * sentenceTerms(index, 42).terms.has('mission'); // true
 */
export function sentenceTerms(index: LoadedIndex, id: number): SentenceTerms {
  let cached = termCache.get(index)?.get(id);
  if (!cached) {
    const a = index.articles[index.sentenceArticle[id]];
    const s = a.sentences[index.sentenceLocal[id]];
    const list = terms(a.text.slice(s.start, s.end));
    cached = { terms: new Set(list), bigrams: bigrams(list) };
    let perIndex = termCache.get(index);
    if (!perIndex) termCache.set(index, (perIndex = new Map()));
    perIndex.set(id, cached);
  }
  return cached;
}
const termCache = new WeakMap<LoadedIndex, Map<number, SentenceTerms>>();

/** Pairs of adjacent terms, as "a b" strings. */
export function bigrams(list: string[]): Set<string> {
  const out = new Set<string>();
  for (let i = 1; i < list.length; i++) out.add(`${list[i - 1]} ${list[i]}`);
  return out;
}

/**
 * IDF-weighted share (0…1) of the question's terms found in a set of terms.
 *
 * @example
 * weightedShare(new Set(['kirbi']), [{ term: 'kirbi', idf: 3 }, { term: 'pentagon', idf: 1 }], 4); // 0.75
 */
export function weightedShare(present: Set<string>, questionTerms: { term: string; idf: number }[], idfTotal: number): number {
  let s = 0;
  for (const t of questionTerms) if (present.has(t.term)) s += t.idf;
  return s / idfTotal;
}

/**
 * Share (0…1) of the question's adjacent term pairs found in a sentence's pairs.
 *
 * @example
 * share(new Set(['pentagon spokesman']), new Set(['pentagon spokesman', 'spokesman say'])); // 0.5
 */
export function share(present: Set<string>, wanted: Set<string>): number {
  if (wanted.size === 0) return 0;
  let n = 0;
  for (const b of wanted) if (present.has(b)) n++;
  return n / wanted.size;
}
