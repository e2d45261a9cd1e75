/**
 * HNSW recall@k against exact search on the index's own sentence vectors, per efSearch: the graph
 * the build wrote is loaded once per setting through the product's `HnswStore`.
 */
import { HnswStore, type GraphLabels, type HnswParams } from '../index/vector-store.js';
import { exactTopK, recallAtK } from './recall.js';
import { summarize, type Summary } from './stats.js';

export interface EfRow {
  efSearch: number;
  recallAt10: number;
  /** Recall at the engine's own candidate count (`Tuning.sentenceHits`). */
  recallAtHits: number;
  latency: Summary;
}

/**
 * Sweeps efSearch over a saved HNSW graph; queries are real question vectors.
 *
 * @example
 * const rows = await sweepEfSearch({ file, flat, dim: 384, size, m: 16, efConstruction: 200 }, queries, [32, 64, 96]);
 * rows.find((r) => r.recallAt10 >= 0.99)?.efSearch;
 */
export async function sweepEfSearch(
  graph: { file: string; flat: Float32Array; dim: number; size: number; m: number; efConstruction: number; labels?: GraphLabels },
  queries: readonly Float32Array[],
  efs: readonly number[],
  hits = 48,
): Promise<{ rows: EfRow[]; exactMs: Summary }> {
  const exactTimes: number[] = [];
  const exact = queries.map((q) => {
    const t0 = performance.now();
    const ids = exactTopK(graph.flat, graph.dim, q, Math.max(10, hits));
    exactTimes.push(performance.now() - t0);
    return ids;
  });
  const exact10 = exact.map((e) => e.slice(0, 10));
  const rows: EfRow[] = [];
  for (const ef of efs) {
    const params: HnswParams = { m: graph.m, efConstruction: graph.efConstruction, efSearch: ef };
    const store = await HnswStore.load(graph.file, graph.dim, graph.size, params, graph.labels);
    const times: number[] = [];
    const got10: number[][] = [];
    const gotHits: number[][] = [];
    for (const q of queries) {
      const t0 = performance.now();
      const r = store.searchSync(q, 10);
      times.push(performance.now() - t0);
      got10.push(r.map((h) => h.id));
    }
    // The engine asks for `hits` neighbours; efSearch below that is raised to it by the store.
    const storeHits = await HnswStore.load(graph.file, graph.dim, graph.size, params, graph.labels);
    for (const q of queries) gotHits.push(storeHits.searchSync(q, hits).map((h) => h.id));
    rows.push({ efSearch: ef, recallAt10: recallAtK(got10, exact10, 10), recallAtHits: recallAtK(gotHits, exact, hits), latency: summarize(times) });
  }
  return { rows, exactMs: summarize(exactTimes) };
}
