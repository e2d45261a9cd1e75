/**
 * Exact nearest neighbours (brute-force dot products over unit vectors) and recall@k of an
 * approximate index against them.
 */
import { exactSearch, type HnswStore } from '../index/vector-store.js';

/**
 * The ids of the exact `k` nearest rows (see `exactSearch`), best first.
 *
 * @example
 * exactTopK(new Float32Array([1, 0, 0, 1, 0.6, 0.8]), 2, new Float32Array([1, 0]), 2); // [0, 2]
 */
export function exactTopK(flat: Float32Array, dim: number, q: Float32Array, k: number): number[] {
  return exactSearch(flat, dim, q, k).map((h) => h.id);
}

/**
 * Packs separate vectors into one row-major array (what `exactTopK` scans).
 *
 * @example
 * flatten([new Float32Array([1, 0]), new Float32Array([0, 1])]); // Float32Array [1, 0, 0, 1]
 */
export function flatten(vectors: readonly Float32Array[], dim: number): Float32Array {
  const flat = new Float32Array(vectors.length * dim);
  vectors.forEach((v, i) => flat.set(v, i * dim));
  return flat;
}

/**
 * Mean recall@k: for each query, the share of the exact top `k` that the approximate top `k` holds.
 *
 * @example
 * recallAtK([[1, 2, 3]], [[1, 2, 4]], 3); // 0.6666…
 * recallAtK([[1, 2], [5, 6]], [[1, 2], [5, 6]], 2); // 1
 */
export function recallAtK(approximate: readonly number[][], exact: readonly number[][], k: number): number {
  if (approximate.length !== exact.length) throw new Error(`recallAtK: ${approximate.length} approximate lists but ${exact.length} exact ones`);
  if (exact.length === 0) return NaN;
  let total = 0;
  for (let i = 0; i < exact.length; i++) {
    const truth = exact[i].slice(0, k);
    if (truth.length === 0) {
      total += 1;
      continue;
    }
    const found = new Set(approximate[i].slice(0, k));
    total += truth.filter((id) => found.has(id)).length / truth.length;
  }
  return total / exact.length;
}

/**
 * Searches each query for its `k` nearest in an HNSW store, timing every search (the native graph
 * alone: `searchSync`, no promise).
 *
 * @example
 * const { ids, times } = timedSearches(store, queries, 10);
 */
export function timedSearches(store: HnswStore, queries: readonly Float32Array[], k: number): { ids: number[][]; times: number[] } {
  const ids: number[][] = [];
  const times: number[] = [];
  for (const q of queries) {
    const t0 = performance.now();
    const hits = store.searchSync(q, k);
    times.push(performance.now() - t0);
    ids.push(hits.map((h) => h.id));
  }
  return { ids, times };
}
