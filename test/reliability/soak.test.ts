/**
 * Soak: 10,000 questions through the real engine (a pool of 300 distinct questions, so the question
 * embedding cache is exercised both ways) → the heap after a full GC grows by less than 50 MB between
 * the 2,000th and the 10,000th question (caches are full by the 2,000th; what grows after is a leak).
 * RSS is reported too (native memory: onnxruntime, hnswlib), not asserted.
 */
import { runInNewContext } from 'node:vm';
import v8 from 'node:v8';
import { expect, test } from 'vitest';
import { openEngine } from '../../src/answer/engine.js';
import { questionPool } from './questions.js';
import { recordReliability } from './report.js';
import { sharedIndex } from './shared-index.js';

const QUESTIONS = 10_000;
const WARM = 2_000;
const HEAP_BOUND_MB = 50;
const TIME_CAP_MS = 150_000;

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const mb = (b: number) => Math.round((b / 1024 / 1024) * 10) / 10;

function settledHeap(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

test(`${QUESTIONS.toLocaleString('en-US')} questions: heap growth after warm-up stays under ${HEAP_BOUND_MB} MB`, async () => {
  const { config } = await sharedIndex();
  const engine = await openEngine(config);
  const pool = questionPool(300);
  expect(new Set(pool).size).toBe(300);
  const t0 = performance.now();
  let heapAtWarm = 0;
  let rssAtWarm = 0;
  let answered = 0;
  let abstained = 0;
  let failed = 0;
  let asked = 0;
  for (; asked < QUESTIONS && performance.now() - t0 < TIME_CAP_MS; asked++) {
    // Vary order and paging: a stride through the pool, every 7th asks for the second page.
    const q = pool[(asked * 37) % pool.length];
    try {
      const a = await engine.answer(q, { k: 3, offset: asked % 7 === 0 ? 3 : 0 });
      if (a.abstained) abstained++;
      else answered++;
    } catch {
      failed++;
    }
    if (asked + 1 === WARM) {
      heapAtWarm = settledHeap();
      rssAtWarm = process.memoryUsage().rss;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const heapAtEnd = settledHeap();
  const rssAtEnd = process.memoryUsage().rss;
  const growth = mb(heapAtEnd - heapAtWarm);
  recordReliability('soak', {
    questions: asked,
    distinctQuestions: pool.length,
    answered,
    abstained,
    failed,
    seconds,
    questionsPerSecond: asked / seconds,
    heapAfterGcAt2000MB: mb(heapAtWarm),
    heapAfterGcAt10000MB: mb(heapAtEnd),
    heapGrowthMB: growth,
    heapGrowthBoundMB: HEAP_BOUND_MB,
    rssAt2000MB: mb(rssAtWarm),
    rssAt10000MB: mb(rssAtEnd),
    rssGrowthMB: mb(rssAtEnd - rssAtWarm),
  });
  expect(asked, `only ${asked} questions within ${TIME_CAP_MS / 1000} s`).toBe(QUESTIONS);
  expect(failed).toBe(0);
  expect(growth).toBeLessThan(HEAP_BOUND_MB);
}, 200_000);
