/**
 * Warm query latency of the answer engine, split by stage, and the naive peer it replaces: no index,
 * so embed the question, scan every sentence vector, then embed the ~50 best sentences again at query
 * time to pick one.
 */
import type { Engine } from '../answer/engine.js';
import type { Embedder } from '../embed/embedder.js';
import type { LoadedIndex } from '../index/load.js';
import { exactTopK } from './recall.js';
import { summarize, type Summary } from './stats.js';

export interface StageLatency {
  /** Whole `Engine.answer` time. */
  total: Summary;
  embed: Summary;
  search: Summary;
  /** Sentence scoring and the abstain decision (`Trace.timings.selectMs`). */
  select: Summary;
  /** The reader on the best candidates (`Trace.timings.readMs`). */
  read: Summary;
  /** Question–sentence pairs the reader read per question (`Trace.timings.readPairs`). */
  readPairs?: Summary;
  /** The rest of `answer`: normalizing the question and cutting quotes. */
  quotes: Summary;
  abstained: number;
  /** Of those, answered with silence without running the reader (silence was certain without it). */
  abstainedUnread?: number;
}

/**
 * Answers each question once (after `warmup` other questions) and summarizes the stage timings.
 *
 * @example
 * const lat = await measureEngine(engine, questions.slice(0, 500), warmupQuestions);
 * lat.total.p50; // ms
 */
export async function measureEngine(
  engine: Engine,
  questions: readonly string[],
  warmup: readonly string[] = [],
  /** Called after each timed question (the serving child samples its memory there). */
  onAnswered?: (done: number) => void,
): Promise<StageLatency> {
  for (const q of warmup) await engine.answer(q);
  const total: number[] = [];
  const embed: number[] = [];
  const search: number[] = [];
  const select: number[] = [];
  const read: number[] = [];
  const readPairs: number[] = [];
  const quotes: number[] = [];
  let abstained = 0;
  let abstainedUnread = 0;
  for (const q of questions) {
    const a = await engine.answer(q);
    total.push(a.ms);
    embed.push(a.timings.embedMs);
    search.push(a.timings.searchMs);
    select.push(a.timings.selectMs);
    read.push(a.timings.readMs ?? 0);
    readPairs.push(a.timings.readPairs ?? 0);
    quotes.push(Math.max(0, a.ms - a.timings.embedMs - a.timings.searchMs - a.timings.selectMs - (a.timings.readMs ?? 0)));
    if (a.abstained) abstained++;
    if (a.abstained && engine.reader && !a.timings.readPairs) abstainedUnread++;
    onAnswered?.(total.length);
  }
  return { total: summarize(total), embed: summarize(embed), search: summarize(search), select: summarize(select), read: summarize(read), readPairs: summarize(readPairs), quotes: summarize(quotes), abstained, abstainedUnread };
}

export interface NaiveLatency {
  total: Summary;
  embed: Summary;
  scan: Summary;
  reembed: Summary;
  candidates: number;
}

export interface NaiveAnswer {
  sentenceId: number;
  ms: number;
  embedMs: number;
  scanMs: number;
  reembedMs: number;
}

/**
 * How the naive peer embeds its candidate sentences at query time: each on its own (the issue's
 * "per-sentence embedding"), or in the product's sorted batches (a stricter, faster peer).
 */
export type NaiveEmbedding = 'per-sentence' | 'batched';

/**
 * The naive peer for one question: embed it (no cache), scan all sentence vectors exactly, embed
 * the `candidates` best sentences again and return the one closest to the question.
 *
 * @example
 * const r = await naiveAnswer(index, embedder, 'Who founded the company?');
 * index.articles[index.sentenceArticle[r.sentenceId]].title;
 */
export async function naiveAnswer(
  index: LoadedIndex,
  embedder: Embedder,
  question: string,
  candidates = 50,
  embedding: NaiveEmbedding = 'per-sentence',
): Promise<NaiveAnswer> {
  const t0 = performance.now();
  const [q] = await embedder.embed([question], { kind: 'query' });
  const t1 = performance.now();
  const dim = index.manifest.embedding.dim;
  const top = exactTopK(index.sentenceVectors, dim, q, candidates);
  const t2 = performance.now();
  const texts = top.map((id) => {
    const a = index.articles[index.sentenceArticle[id]];
    const s = a.sentences[index.sentenceLocal[id]];
    return a.text.slice(s.start, s.end);
  });
  const vectors: Float32Array[] = [];
  if (embedding === 'batched') vectors.push(...(await embedder.embed(texts, { kind: 'passage' })));
  else for (const t of texts) vectors.push(...(await embedder.embed([t], { kind: 'passage' })));
  let best = -1;
  let bestCos = -Infinity;
  vectors.forEach((v, i) => {
    let c = 0;
    for (let d = 0; d < dim; d++) c += v[d] * q[d];
    if (c > bestCos) {
      bestCos = c;
      best = top[i];
    }
  });
  const t3 = performance.now();
  return { sentenceId: best, ms: t3 - t0, embedMs: t1 - t0, scanMs: t2 - t1, reembedMs: t3 - t2 };
}

/**
 * Latency of the naive peer over a list of questions.
 *
 * @example
 * const naive = await measureNaiveQueries(index, embedder, questions.slice(0, 50));
 * naive.total.p50; // ms
 */
export async function measureNaiveQueries(
  index: LoadedIndex,
  embedder: Embedder,
  questions: readonly string[],
  candidates = 50,
  embedding: NaiveEmbedding = 'per-sentence',
): Promise<NaiveLatency> {
  const rows: NaiveAnswer[] = [];
  for (const q of questions) rows.push(await naiveAnswer(index, embedder, q, candidates, embedding));
  return {
    total: summarize(rows.map((r) => r.ms)),
    embed: summarize(rows.map((r) => r.embedMs)),
    scan: summarize(rows.map((r) => r.scanMs)),
    reembed: summarize(rows.map((r) => r.reembedMs)),
    candidates,
  };
}
