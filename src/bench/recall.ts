/**
 * Exact nearest neighbours (brute-force dot products over unit vectors) and recall@k of an
 * approximate index against them.
 */

/**
 * The ids of the `k` rows of a row-major array of unit vectors with the highest dot product with `q`,
 * best first (ties: lower id first).
 *
 * @example
 * const flat = new Float32Array([1, 0, 0, 1, 0.6, 0.8]); // three 2-d vectors
 * exactTopK(flat, 2, new Float32Array([1, 0]), 2); // [0, 2]
 */
export function exactTopK(flat: Float32Array, dim: number, q: Float32Array, k: number): number[] {
  const n = Math.floor(flat.length / dim);
  const kk = Math.min(k, n);
  // A small sorted buffer beats sorting n scores when k ≪ n.
  const ids: number[] = [];
  const scores: number[] = [];
  for (let row = 0; row < n; row++) {
    const off = row * dim;
    let s = 0;
    for (let i = 0; i < dim; i++) s += q[i] * flat[off + i];
    if (ids.length < kk || s > scores[ids.length - 1]) {
      let pos = ids.length < kk ? ids.length : kk - 1;
      while (pos > 0 && scores[pos - 1] < s) pos--;
      ids.splice(pos, 0, row);
      scores.splice(pos, 0, s);
      if (ids.length > kk) {
        ids.pop();
        scores.pop();
      }
    }
  }
  return ids;
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
