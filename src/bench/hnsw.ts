/**
 * HNSW recall@k against exact search on the index's own sentence vectors, per efSearch: the graph
 * the build wrote is loaded once per setting through the product's `HnswStore`.
 */
import { HnswStore, type GraphLabels, type HnswParams } from '../index/vector-store.js';
import { exactTopK, recallAtK, timedSearches } from './recall.js';
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
    const at10 = timedSearches(store, queries, 10);
    // The engine asks for `hits` neighbours; efSearch below that is raised to it by the store.
    const atHits = timedSearches(store, queries, hits);
    rows.push({ efSearch: ef, recallAt10: recallAtK(at10.ids, exact10, 10), recallAtHits: recallAtK(atHits.ids, exact, hits), latency: summarize(at10.times) });
  }
  return { rows, exactMs: summarize(exactTimes) };
}
