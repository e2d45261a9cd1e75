/**
 * SQuAD by split (`training/splits.json`: whole articles for test, tune, train) and the on-topic
 * unanswerable set built from it: a fixed share of each split article's paragraphs is left out of the
 * index and their questions must get an abstention, while the kept paragraphs' questions of the same
 * articles, asked of that same index, measure false abstention.
 */
import fs from 'node:fs';
import { z } from 'zod';
import type { Article } from '../types.js';
import type { EvalQuestion, SquadDoc } from './datasets.js';

export const SPLITS_FILE = 'training/splits.json';
export const SPLIT_NAMES = ['test', 'tune', 'train'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

/** Every `HOLDOUT_EVERY`-th paragraph of an article (0-based indices 3, 7, 11, …) is held out of the index. */
export const HOLDOUT_EVERY = 4;

const splitsSchema = z.object({ test: z.array(z.string()), tune: z.array(z.string()), train: z.array(z.string()) });

/**
 * The SQuAD article titles of one split (as in the SQuAD file: `Super_Bowl_50`).
 *
 * @example
 * readSplit('test'); // ['Super_Bowl_50', 'Martin_Luther', …]
 */
export function readSplit(name: SplitName, file = SPLITS_FILE): string[] {
  if (!SPLIT_NAMES.includes(name)) throw new Error(`unknown split "${name}"; use ${SPLIT_NAMES.join(', ')}`);
  return splitsSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')))[name];
}

/**
 * Whether paragraph `i` (0-based, in file order) of an article is held out: every `every`-th one,
 * counting from 1, so an article of fewer than `every` paragraphs keeps all of them.
 *
 * @example
 * [0, 1, 2, 3, 4, 5, 6, 7].filter((i) => isHeldOut(i)); // [3, 7]
 */
export function isHeldOut(i: number, every = HOLDOUT_EVERY): boolean {
  return (i + 1) % every === 0;
}

/** The answerable questions of the split's articles (the index still holds every paragraph). */
export function splitQuestions(docs: SquadDoc[], titles: readonly string[]): EvalQuestion[] {
  const keep = checkedTitles(docs, titles);
  return docs.filter((d) => keep.has(d.title)).flatMap((d) => d.paragraphs.flatMap((p) => p.questions));
}

export interface Holdout {
  /** What the index holds: every paragraph but the held-out ones. */
  articles: Article[];
  /** Held-out paragraphs (file paths), in order. */
  heldOut: string[];
  /** Questions of the held-out paragraphs, marked unanswerable. */
  unanswerable: EvalQuestion[];
  /** Questions of the split articles' kept paragraphs (answerable from the same index). */
  answerable: EvalQuestion[];
  /** Held-out questions dropped because an answer string occurs in another paragraph of their article. */
  dropped: EvalQuestion[];
}

/**
 * Holds out every `every`-th paragraph of each split article: the index keeps the article (its other
 * paragraphs) but not that paragraph. A held-out question is dropped when any of its answer strings
 * occurs (case-insensitive) in another paragraph of the same article, since it may still be answered.
 * Paragraphs of articles outside the split are all kept.
 *
 * @example
 * const h = squadHoldout(readSquadDocs(file), readSplit('test'));
 * h.unanswerable.length; // questions that must get an abstention
 */
export function squadHoldout(docs: SquadDoc[], titles: readonly string[], every = HOLDOUT_EVERY): Holdout {
  const inSplit = checkedTitles(docs, titles);
  const out: Holdout = { articles: [], heldOut: [], unanswerable: [], answerable: [], dropped: [] };
  for (const doc of docs) {
    if (!inSplit.has(doc.title)) {
      out.articles.push(...doc.paragraphs.map((p) => p.article));
      continue;
    }
    doc.paragraphs.forEach((p, i) => {
      if (!isHeldOut(i, every)) {
        out.articles.push(p.article);
        out.answerable.push(...p.questions);
        return;
      }
      out.heldOut.push(p.article.file);
      const others = doc.paragraphs.filter((_, j) => j !== i).map((o) => o.article.text.toLowerCase());
      for (const q of p.questions) {
        const elsewhere = q.answers.some((a) => others.some((t) => t.includes(a.toLowerCase())));
        if (elsewhere) out.dropped.push(q);
        else out.unanswerable.push({ ...q, answers: [], unanswerable: true });
      }
    });
  }
  return out;
}

function checkedTitles(docs: SquadDoc[], titles: readonly string[]): Set<string> {
  const known = new Set(docs.map((d) => d.title));
  const missing = titles.filter((t) => !known.has(t));
  if (missing.length) throw new Error(`split titles not in the SQuAD file: ${missing.join(', ')}`);
  return new Set(titles);
}
