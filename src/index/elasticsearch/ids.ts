/**
 * Document ids in the cluster that outlive a build, so that a build only writes what changed.
 *
 * Locally, sentence and passage ids are positions in the corpus and shift whenever an article is
 * added or removed before them. In the cluster that would mean rewriting every document after the
 * first change. So a build that starts from the live one keeps each unchanged article's ids (its
 * `ord`, first sentence and first passage) and gives new or changed articles fresh ranges after the
 * highest id ever used (`BuildMeta.ids`). A full build numbers everything by position again.
 */
import type { LoadedIndex } from '../load.js';

/** The next unused article, sentence and passage id of a build. */
export interface NextIds {
  articles: number;
  sentences: number;
  passages: number;
}

/** What the cluster holds of a live article: enough to tell whether it changed and which ids it used. */
export interface LiveArticle {
  ord: number;
  id: string;
  hash: string;
  firstSentence: number;
  firstPassage: number;
  /** Flattened `[start, end, …]` sentence offsets and `[first, last, …]` passage ranges. */
  sentences: number[];
  passages: number[];
}

/** The cluster ids of every article of a build, and what has to be written and deleted. */
export interface IdPlan {
  /** Per local article position: its `ord`, first sentence id and first passage id in the cluster. */
  ord: Uint32Array;
  firstSentence: Uint32Array;
  firstPassage: Uint32Array;
  /** Local article positions whose documents must be written (all of them in a full build). */
  write: number[];
  /** Live articles whose sentence and passage documents must go (removed or changed ones). */
  stale: LiveArticle[];
  /** Live articles that are gone from the corpus (their article document goes too). */
  removed: LiveArticle[];
  next: NextIds;
}

/**
 * Ids by position, as a full build (or the first build) numbers them: identical to the local index's.
 *
 * @example
 * const plan = positionalIds(index);
 * plan.firstSentence[3] === index.firstSentence[3]; // true
 */
export function positionalIds(index: LoadedIndex): IdPlan {
  const n = index.articles.length;
  const { counts } = index.manifest;
  return {
    ord: Uint32Array.from({ length: n }, (_, i) => i),
    firstSentence: Uint32Array.from(index.firstSentence),
    firstPassage: Uint32Array.from(index.firstPassage),
    write: Array.from({ length: n }, (_, i) => i),
    stale: [],
    removed: [],
    next: { articles: n, sentences: counts.sentences, passages: counts.passages },
  };
}

/**
 * Ids for a build that starts from the live one: an article with the same id, content hash and cuts
 * keeps its ids and is not written again; a changed one keeps its `ord` but gets new sentence and
 * passage ranges (its old documents are deleted); a new one gets a new `ord` and ranges.
 *
 * @example
 * const plan = carriedIds(index, liveArticles, live.meta.ids ?? countsOf(live.meta));
 * plan.write;   // [7] — only the article that changed
 * plan.removed; // articles deleted from the corpus
 */
export function carriedIds(index: LoadedIndex, live: LiveArticle[], next: NextIds): IdPlan {
  const byId = new Map(live.map((a) => [a.id, a]));
  const n = index.articles.length;
  const plan: IdPlan = {
    ord: new Uint32Array(n),
    firstSentence: new Uint32Array(n),
    firstPassage: new Uint32Array(n),
    write: [],
    stale: [],
    removed: [],
    next: { ...next },
  };
  const kept = new Set<string>();
  index.articles.forEach((a, i) => {
    const old = byId.get(a.id);
    kept.add(a.id);
    if (old && old.hash === a.hash && sameCuts(old, a.sentences, a.passages)) {
      plan.ord[i] = old.ord;
      plan.firstSentence[i] = old.firstSentence;
      plan.firstPassage[i] = old.firstPassage;
      return;
    }
    if (old) plan.stale.push(old);
    plan.ord[i] = old ? old.ord : plan.next.articles++;
    plan.firstSentence[i] = plan.next.sentences;
    plan.firstPassage[i] = plan.next.passages;
    plan.next.sentences += a.sentences.length;
    plan.next.passages += a.passages.length;
    plan.write.push(i);
  });
  for (const old of live) {
    if (!kept.has(old.id)) {
      plan.stale.push(old);
      plan.removed.push(old);
    }
  }
  return plan;
}

/** Same sentence and passage cuts (a changed splitter or passage size re-cuts unchanged text). */
function sameCuts(old: LiveArticle, sentences: { start: number; end: number }[], passages: { first: number; last: number }[]): boolean {
  if (old.sentences.length !== 2 * sentences.length || old.passages.length !== 2 * passages.length) return false;
  return (
    sentences.every((s, i) => old.sentences[2 * i] === s.start && old.sentences[2 * i + 1] === s.end) &&
    passages.every((p, i) => old.passages[2 * i] === p.first && old.passages[2 * i + 1] === p.last)
  );
}
