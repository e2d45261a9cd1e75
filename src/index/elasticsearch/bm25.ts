/**
 * MiniSearch's BM25+ (the local store's lexical scores), computed for a set of candidate passages from
 * their terms and the corpus statistics. The cluster finds the candidates; this scores them exactly as
 * the local store does, so both stores normalise by the same best score and rank ties the same way.
 * Mirrors minisearch's `termResults` / `combineResults` / `search` (v7): per query term, per field
 * (title, boost 0.5, then body), k1 1.2, b 0.7, d 0.5; the sum times the number of distinct query terms
 * matched; ties in the order MiniSearch lists results (first matching term, title before body, id).
 */
import { terms, words } from '../../text/terms.js';

/** One candidate passage's terms. */
export interface ScoredPassage {
  /** Global passage id. */
  id: number;
  titleTerms: string[];
  textTerms: string[];
  /** MiniSearch's field lengths: distinct words (before stemming) of the title and of the body. */
  titleLength: number;
  textLength: number;
}

/** Corpus statistics: passages, average field lengths, and per term the passages using it in each field. */
export interface LexicalStats {
  documents: number;
  averageFieldLength: [number, number];
  /** Term → [passages with it in the title, passages with it in the body]. */
  df(term: string): [number, number];
}

const K = 1.2;
const B = 0.7;
const D = 0.5;
const BOOST: [number, number] = [0.5, 1];

/**
 * MiniSearch's field length of a text: its distinct words.
 *
 * @example
 * fieldLength('The coalition, the coalition.'); // 2
 */
export function fieldLength(text: string): number {
  return new Set(words(text)).size;
}

/**
 * Exact BM25+ scores of the candidates matching `query`, in MiniSearch's order (best first).
 *
 * @example
 * const scores = miniSearchScores('coalition air missions', passages, stats);
 * [...scores][0]; // [17, 12.4]: the same as LexicalStore.query on the whole index
 */
export function miniSearchScores(query: string, passages: Iterable<ScoredPassage>, stats: LexicalStats): Map<number, number> {
  const queryTerms = terms(query);
  const distinct = [...new Set(queryTerms)];
  const position = new Map(distinct.map((t, i) => [t, i]));
  const results: { id: number; score: number; key: [number, number, number] }[] = [];
  for (const p of passages) {
    const freq: [Map<string, number>, Map<string, number>] = [count(p.titleTerms, position), count(p.textTerms, position)];
    const lengths = [p.titleLength, p.textLength];
    let score: number | undefined;
    let matched = 0;
    let first: [number, number] | undefined;
    const seen = new Set<string>();
    for (const t of queryTerms) {
      // One query term's result: title part, then body part added (as termResults does).
      let termScore: number | undefined;
      for (let f = 0; f < 2; f++) {
        const tf = freq[f].get(t);
        if (!tf) continue;
        const raw = bm25(tf, stats.df(t)[f], stats.documents, lengths[f], stats.averageFieldLength[f]);
        const weighted = BOOST[f] * raw;
        termScore = termScore === undefined ? weighted : termScore + weighted;
        first ??= [position.get(t)!, f];
      }
      if (termScore === undefined) continue;
      score = score === undefined ? termScore : score + termScore;
      if (!seen.has(t)) {
        seen.add(t);
        matched++;
      }
    }
    if (score === undefined || !first) continue;
    results.push({ id: p.id, score: score * matched, key: [first[0], first[1], p.id] });
  }
  // MiniSearch lists results by first matching term, title matches before body ones, then insertion
  // (id) order, and sorts them stably by score.
  results.sort((x, y) => x.key[0] - y.key[0] || x.key[1] - y.key[1] || x.key[2] - y.key[2]);
  results.sort((x, y) => y.score - x.score);
  return new Map(results.map((r) => [r.id, r.score]));
}

function bm25(tf: number, matching: number, total: number, length: number, average: number): number {
  const idf = Math.log(1 + (total - matching + 0.5) / (matching + 0.5));
  return idf * (D + (tf * (K + 1)) / (tf + K * (1 - B + (B * length) / average)));
}

function count(list: string[], wanted: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of list) if (wanted.has(t)) out.set(t, (out.get(t) ?? 0) + 1);
  return out;
}
