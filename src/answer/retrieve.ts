/**
 * Hybrid retrieval: candidates from three retrievers (HNSW over sentences, HNSW over passages, BM25
 * over passages), then every candidate passage re-scored exactly with a weighted sum of normalised
 * signals. Measured on SQuAD and the seed questions, this beats reciprocal rank fusion (see README).
 */
import type { LoadedIndex } from '../index/load.js';
import { QuestionTerms } from '../index/sentence-terms.js';
import { passageBody } from '../text/passages.js';
import { terms } from '../text/terms.js';
import { acronymAlternatives, hasAcronym } from './acronyms.js';
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
  /** The question's index terms (IDF-weighted, with their adjacent pairs), ready to match sentences. */
  question: QuestionTerms;
  /** Other runs of terms that count as a question term (an acronym written out, …; see acronyms.ts). */
  alternatives: Map<string, string[][]>;
}

/**
 * Gathers and scores candidate passages for a question vector, best first.
 *
 * @example
 * const { candidates } = await retrieve(index, qVector, 'Who is the Pentagon spokesman?', DEFAULT_TUNING);
 * index.articles[index.passageArticle[candidates[0].passage]].title;
 */
export async function retrieve(index: LoadedIndex, q: Float32Array, question: string, tuning: Tuning): Promise<Retrieval> {
  const ids = new Set<number>();
  // Both searches at once: with a remote vector store they overlap on the network.
  const [sentenceHits, passageHits] = await Promise.all([
    index.sentenceStore.search(q, tuning.sentenceHits),
    index.passageStore.search(q, tuning.passageHits),
  ]);
  for (const h of sentenceHits) ids.add(index.sentencePassage[h.id]);
  for (const h of passageHits) ids.add(h.id);
  const lexicalQuestion = withoutAnswerTypeWords(question);
  const bm25 = index.lexical.query(lexicalQuestion);
  const lexicalRanked = topEntries(bm25, tuning.lexicalHits);
  const maxBm25 = lexicalRanked.length > 0 ? lexicalRanked[0][1] : 0;
  for (const [id] of lexicalRanked) ids.add(id);

  const { fusion } = tuning;
  // An acronym in the question is looked for written out in the candidates, and the other way round.
  const texts = hasAcronym(question) ? [...ids].map((p) => passageTextOf(index, p)) : [];
  const alternatives = acronymAlternatives(question, texts);
  const qt = new QuestionTerms(index.sentenceTerms, terms(lexicalQuestion), (t) => index.lexical.idf(t), alternatives);
  const candidates: PassageCandidate[] = [];
  // Which question terms each candidate passage holds, for the local share below.
  const held: Uint8Array[] = [];
  for (const p of ids) {
    const passageCos = dotRow(q, index.passageVectors, p);
    const a = index.passageArticle[p];
    const pass = index.articles[a].passages[index.passageLocal[p]];
    let sentenceCos = -1;
    let bestSentence = -1;
    let sentenceLexical = 0;
    let phrase = 0;
    const holds = new Uint8Array(qt.terms.length);
    for (let s = index.firstSentence[a] + pass.first; s < index.firstSentence[a] + pass.last; s++) {
      const c = dotRow(q, index.sentenceVectors, s);
      if (c > sentenceCos) {
        sentenceCos = c;
        bestSentence = s;
      }
      const m = qt.match(s, holds);
      if (m.share > sentenceLexical) sentenceLexical = m.share;
      if (m.phrase > phrase) phrase = m.phrase;
    }
    const lexical = maxBm25 > 0 ? (bm25.get(p) ?? 0) / maxBm25 : 0;
    const score =
      fusion.passage * passageCos +
      fusion.sentence * sentenceCos +
      fusion.lexical * lexical +
      fusion.sentenceLexical * sentenceLexical +
      fusion.phrase * phrase;
    candidates.push({ passage: p, passageCos, sentenceCos, bestSentence, lexical, score });
    held.push(holds);
  }
  if (fusion.local > 0) addLocalShare(candidates, held, fusion.local);
  candidates.sort((x, y) => y.score - x.score);
  return { candidates, question: qt, alternatives };
}

/**
 * A passage's title and text, as written.
 *
 * @example
 * passageTextOf(index, retrieval.candidates[0].passage); // 'IS push could take years\nThe US-led coalition…'
 */
export function passageTextOf(index: LoadedIndex, p: number): string {
  const a = index.articles[index.passageArticle[p]];
  const pass = a.passages[index.passageLocal[p]];
  return `${a.title}\n${passageBody(a.text, a.sentences, pass)}`;
}

/**
 * Question words that every candidate holds (the topic: "Super Bowl" among Super Bowl paragraphs)
 * cannot tell the candidates apart; words only some hold can. This weighs each question term by its
 * rarity among the candidates themselves and adds the share a passage holds to its score.
 * `held[i][k]` says whether candidate i holds question term k.
 */
function addLocalShare(candidates: PassageCandidate[], held: Uint8Array[], weight: number): void {
  const n = candidates.length;
  const termCount = held[0]?.length ?? 0;
  const idf = new Float64Array(termCount);
  let total = 0;
  for (let k = 0; k < termCount; k++) {
    let df = 0;
    for (const h of held) df += h[k];
    idf[k] = df === 0 ? 0 : Math.log(1 + (n - df + 0.5) / (df + 0.5));
    total += idf[k];
  }
  if (total === 0) return;
  candidates.forEach((c, i) => {
    let got = 0;
    for (let k = 0; k < termCount; k++) if (held[i][k]) got += idf[k];
    c.score += (weight * got) / total;
  });
}

/**
 * The `k` entries with the highest values, best first, without sorting every entry (BM25 matches
 * every passage sharing one common word with the question: thousands on a large corpus).
 *
 * @example
 * topEntries(new Map([[1, 0.5], [2, 3], [3, 1]]), 2); // [[2, 3], [3, 1]]
 */
export function topEntries(scores: Map<number, number>, k: number): [number, number][] {
  const top: [number, number][] = [];
  if (k <= 0) return top;
  for (const e of scores) {
    if (top.length === k) {
      if (e[1] <= top[k - 1][1]) continue;
      top.pop();
    }
    let i = top.length;
    while (i > 0 && top[i - 1][1] < e[1]) i--;
    top.splice(i, 0, e);
  }
  return top;
}
