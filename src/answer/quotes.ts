/**
 * Sentence-level quote selection inside the best passages: score every sentence, expand a sentence
 * that cannot stand alone with the one before it, fold near-identical sentences from other articles
 * into "also in", and cut each quote as an exact slice of its article.
 */
import type { LoadedIndex } from '../index/load.js';
import type { Citation, Quote } from '../types.js';
import { answerType, answerTypeStrength, hasAnswerType } from './answer-type.js';
import type { Retrieval } from './retrieve.js';
import type { Tuning } from './tuning.js';
import { dotRow, dotRows } from './vectors.js';

export interface ScoredSentence {
  id: number;
  cos: number;
  /** IDF-weighted share of the question's terms that the sentence holds (0…1). */
  lexical: number;
  typeMatch: boolean;
  /** Fused score of the sentence's passage. */
  passageScore: number;
  score: number;
}

/**
 * Scores the sentences of the best passages, best first.
 *
 * @example
 * const ranked = scoreSentences(index, q, retrieval, question, DEFAULT_TUNING);
 * ranked[0].id; // global sentence id of the best answer sentence
 */
export function scoreSentences(
  index: LoadedIndex,
  q: Float32Array,
  retrieval: Retrieval,
  question: string,
  tuning: Tuning,
): ScoredSentence[] {
  const type = answerType(question);
  const typeWeight = tuning.pick.answerType * answerTypeStrength(type);
  const out: ScoredSentence[] = [];
  for (const c of retrieval.candidates.slice(0, tuning.passagesForQuotes)) {
    const a = index.passageArticle[c.passage];
    const article = index.articles[a];
    const pass = article.passages[index.passageLocal[c.passage]];
    for (let local = pass.first; local < pass.last; local++) {
      const id = index.firstSentence[a] + local;
      const s = article.sentences[local];
      const text = article.text.slice(s.start, s.end);
      const cos = dotRow(q, index.sentenceVectors, id);
      const { share: lexical, phrase } = retrieval.question.match(id);
      const typeMatch = hasAnswerType(text, type, question);
      const score =
        tuning.pick.dense * cos +
        tuning.pick.lexical * lexical +
        tuning.pick.phrase * phrase +
        tuning.pick.context * c.score +
        (typeMatch ? typeWeight : 0);
      out.push({ id, cos, lexical, typeMatch, passageScore: c.score, score });
    }
  }
  return out.sort((x, y) => y.score - x.score);
}

/** A sentence that leans on the one before it ("He said…", "It was…"): shown with that one. */
const LEANS_BACK = /^[“"‘']?(he|she|it|they|this|that|these|those|his|her|their|its|but|and|however|also|the move|the decision|the statement|earlier|later|then)\b/i;

/** Citation of an article, as every face shows it. */
export function citationOf(index: LoadedIndex, articleIndex: number): Citation {
  const a = index.articles[articleIndex];
  return { id: a.id, file: a.file, title: a.title, publisher: a.publisher, date: a.date, url: a.url };
}

/**
 * Turns ranked sentences into up to `offset + k` quotes and returns the last `k` of them.
 *
 * @example
 * const quotes = buildQuotes(index, ranked, { k: 3, offset: 0 }, DEFAULT_TUNING);
 * quotes[0].text === article.text.slice(quotes[0].start, quotes[0].end); // always true
 */
export function buildQuotes(
  index: LoadedIndex,
  ranked: ScoredSentence[],
  page: { k: number; offset: number },
  tuning: Tuning,
): Quote[] {
  const dim = index.manifest.embedding.dim;
  const quotes: (Quote & { article: number; first: number; last: number })[] = [];
  const seenText = new Map<string, number>();
  for (const r of ranked) {
    if (quotes.length >= page.offset + page.k) break;
    const a = index.sentenceArticle[r.id];
    const local = index.sentenceLocal[r.id];
    const article = index.articles[a];
    const s = article.sentences[local];
    const text = article.text.slice(s.start, s.end);

    // Already covered: inside a quote taken from the same article.
    if (quotes.some((x) => x.article === a && local >= x.first && local <= x.last)) continue;
    // The same words, or nearly, in another article: corroboration, not a new quote.
    const same =
      quotes[seenText.get(text.toLowerCase()) ?? -1] ??
      quotes.find((x) => x.article !== a && dotRows(index.sentenceVectors, x.sentenceId, index.sentenceVectors, r.id, dim) >= tuning.corroborate && sameNumbers(x.text, text));
    if (same) {
      addCorroboration(index, same, r.id);
      continue;
    }

    let first = local;
    if (local > 0 && (LEANS_BACK.test(text) || text.length < 40)) first = local - 1;
    const start = article.sentences[first].start;
    quotes.push({
      text: article.text.slice(start, s.end),
      source: citationOf(index, a),
      alsoIn: [],
      alsoQuotes: [],
      start,
      end: s.end,
      sentenceId: r.id,
      score: r.score,
      article: a,
      first,
      last: local,
    });
    seenText.set(text.toLowerCase(), quotes.length - 1);
  }
  const pageQuotes = quotes.slice(page.offset);
  for (const q of pageQuotes) corroborateFigures(index, q, tuning);
  return pageQuotes.map(({ article: _a, first: _f, last: _l, ...q }) => q);
}

/** Records that sentence `id` (from another article) says what quote `q` says. */
function addCorroboration(index: LoadedIndex, q: Quote & { article: number }, id: number): void {
  const a = index.sentenceArticle[id];
  if (a === q.article || q.alsoIn.some((c) => c.id === index.articles[a].id)) return;
  const s = index.articles[a].sentences[index.sentenceLocal[id]];
  const source = citationOf(index, a);
  q.alsoIn.push(source);
  q.alsoQuotes.push({ text: index.articles[a].text.slice(s.start, s.end), source, start: s.start, end: s.end });
}

/**
 * Another article stating the same figure on the same subject corroborates a quote even in other
 * words ("1,000 coalition air missions" / "around 1,000 airstrikes"): found through the lexical
 * index by the figure, confirmed by the sentences' similarity.
 */
function corroborateFigures(index: LoadedIndex, q: Quote & { article: number }, tuning: Tuning): void {
  const dim = index.manifest.embedding.dim;
  for (const figure of figures(q.text)) {
    for (const passage of index.lexical.query(figure).keys()) {
      const a = index.passageArticle[passage];
      if (a === q.article) continue;
      const p = index.articles[a].passages[index.passageLocal[passage]];
      for (let local = p.first; local < p.last; local++) {
        const id = index.firstSentence[a] + local;
        const s = index.articles[a].sentences[local];
        if (!figures(index.articles[a].text.slice(s.start, s.end)).includes(figure)) continue;
        if (dotRows(index.sentenceVectors, q.sentenceId, index.sentenceVectors, id, dim) >= tuning.corroborateFigure) addCorroboration(index, q, id);
      }
    }
  }
}

/** Figures specific enough to identify a fact: numbers of 3+ digits that are not years ("1,000", "436"). */
function figures(text: string): string[] {
  const out = (text.replace(/(\d),(\d{3})/g, '$1$2').match(/\d{3,}(\.\d+)?/g) ?? []).filter((n) => !/^(19|20)\d\d$/.test(n));
  return [...new Set(out)];
}

/** Two sentences agree on their figures (or have none): "60 nations" and "83 members" disagree. */
function sameNumbers(a: string, b: string): boolean {
  const nums = (t: string) => (t.replace(/(\d),(\d{3})/g, '$1$2').match(/\d+(\.\d+)?/g) ?? []).sort().join(' ');
  return nums(a) === nums(b);
}
