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
  /** The reader's logit (> 0: it answers the question), for the sentences it read. */
  reader?: number;
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
const LEANS_BACK_RE = /^[“"‘']?(he|she|it|they|this|that|these|those|his|her|their|its|but|and|however|also|the move|the decision|the statement|earlier|later|then)\b/i;

/**
 * A sentence that cannot stand alone: it opens with a pronoun or connective, or is very short.
 *
 * @example
 * leansBack('He said the fight would take years.'); // true
 */
export function leansBack(text: string): boolean {
  return LEANS_BACK_RE.test(text) || text.length < 40;
}

/**
 * The verbatim text of a sentence by its global id.
 *
 * @example
 * sentenceText(index, ranked[0].id); // 'Pentagon spokesman Rear Admiral John Kirby said…'
 */
export function sentenceText(index: LoadedIndex, id: number): string {
  const article = index.articles[index.sentenceArticle[id]];
  const s = article.sentences[index.sentenceLocal[id]];
  return article.text.slice(s.start, s.end);
}

/** Citation of an article, as every face shows it. */
export function citationOf(index: LoadedIndex, articleIndex: number): Citation {
  const a = index.articles[articleIndex];
  return { id: a.id, file: a.file, title: a.title, publisher: a.publisher, date: a.date, url: a.url };
}

/** A quote while it is being built: its article and the span of sentences (article-local) it shows. */
type Building = Quote & { article: number; first: number; last: number };

/**
 * Turns ranked sentences into up to `offset + k` quotes and returns the last `k` of them.
 *
 * No sentence is shown twice, within a page or across pages: a sentence inside a quote, or already
 * shown as a quote's "also reported by", is skipped; a sentence that leans back on one already quoted
 * joins that quote instead of repeating it; a sentence whose words another quote already holds (the
 * same sentence syndicated) becomes "also reported by". The choices depend on the ranking only, never
 * on `k` or `offset`, so page two continues exactly where page one stopped.
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
  const quotes: Building[] = [];
  /** Global ids of every sentence shown so far: inside a quote or as an "also reported by". */
  const shown = new Set<number>();
  for (const r of ranked) {
    if (quotes.length >= page.offset + page.k) break;
    if (shown.has(r.id)) continue;
    const a = index.sentenceArticle[r.id];
    const local = index.sentenceLocal[r.id];
    const article = index.articles[a];
    const s = article.sentences[local];
    const text = article.text.slice(s.start, s.end);

    // The same words already quoted: from another article, corroboration; from the same one, a repeat.
    const holder = quotes.find((x) => overlapsText(x.text, text));
    if (holder) {
      if (holder.article !== a && comparable(text).length >= MIN_CORROBORATION) addCorroboration(index, holder, r.id, shown);
      continue;
    }
    // Nearly the same words in another article: corroboration, not a new quote.
    const same = quotes.find((x) => x.article !== a && dotRows(index.sentenceVectors, x.sentenceId, index.sentenceVectors, r.id, dim) >= tuning.corroborate && sameNumbers(x.text, text));
    if (same) {
      addCorroboration(index, same, r.id, shown);
      continue;
    }

    let first = local;
    if (local > 0 && leansBack(text)) {
      // The sentence it leans on is already quoted: the quote goes on with this one.
      const before = quotes.find((x) => x.article === a && x.last === local - 1);
      if (before) {
        before.last = local;
        before.end = s.end;
        before.text = article.text.slice(before.start, s.end);
        shown.add(r.id);
        continue;
      }
      // Shown elsewhere already (as "also reported by", or its words in another quote): not again.
      const prev = r.id - 1;
      if (!shown.has(prev) && !quotes.some((x) => overlapsText(x.text, sentenceText(index, prev)))) first = local - 1;
    }
    const start = article.sentences[first].start;
    const quote: Building = {
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
    };
    quotes.push(quote);
    for (let l = first; l <= local; l++) shown.add(index.firstSentence[a] + l);
    corroborateFigures(index, quote, tuning, shown);
  }
  return quotes.slice(page.offset).map(({ article: _a, first: _f, last: _l, ...q }) => q);
}

/** Shorter texts found inside a quote are not evidence of the same statement ("He said."): skipped, not folded. */
const MIN_CORROBORATION = 40;

/** Text as compared for repeats: case, quote marks, dashes and spacing do not count. */
function comparable(text: string): string {
  return text
    .toLowerCase()
    .replace(/[‘’‛′]/g, "'")
    .replace(/[“”„″]/g, '"')
    .replace(/[‐-―−]/g, '-')
    .replace(/\s+/g, ' ')
    .trim();
}

/** One text holds the other (after `comparable`): showing both would repeat words. */
export function overlapsText(a: string, b: string): boolean {
  const [x, y] = [comparable(a), comparable(b)];
  return x.length > 0 && y.length > 0 && (x.includes(y) || y.includes(x));
}

/** Records that sentence `id` (from another article) says what quote `q` says. */
function addCorroboration(index: LoadedIndex, q: Quote & { article: number }, id: number, shown: Set<number>): void {
  const a = index.sentenceArticle[id];
  if (shown.has(id) || a === q.article || q.alsoIn.some((c) => c.id === index.articles[a].id)) return;
  shown.add(id);
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
function corroborateFigures(index: LoadedIndex, q: Quote & { article: number }, tuning: Tuning, shown: Set<number>): void {
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
        if (dotRows(index.sentenceVectors, q.sentenceId, index.sentenceVectors, id, dim) >= tuning.corroborateFigure) addCorroboration(index, q, id, shown);
      }
    }
  }
}

/**
 * Figures specific enough to identify a fact: numbers of 3+ digits that are not years ("1,000", "436").
 *
 * @example
 * figures('roughly 1,000 air missions since 2014'); // ['1000']
 */
export function figures(text: string): string[] {
  const out = (text.replace(/(\d),(\d{3})/g, '$1$2').match(/\d{3,}(\.\d+)?/g) ?? []).filter((n) => !/^(19|20)\d\d$/.test(n));
  return [...new Set(out)];
}

/** Two sentences agree on their figures (or have none): "60 nations" and "83 members" disagree. */
function sameNumbers(a: string, b: string): boolean {
  const nums = (t: string) => (t.replace(/(\d),(\d{3})/g, '$1$2').match(/\d+(\.\d+)?/g) ?? []).sort().join(' ');
  return nums(a) === nums(b);
}
