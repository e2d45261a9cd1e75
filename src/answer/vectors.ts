/** Dot product of a unit query with row `row` of a row-major vector array: the cosine similarity. */
export function dotRow(q: Float32Array, flat: Float32Array, row: number): number {
  const dim = q.length;
  const off = row * dim;
  let s = 0;
  for (let i = 0; i < dim; i++) s += q[i] * flat[off + i];
  return s;
}

/** Cosine of two rows of (possibly different) row-major arrays of unit vectors. */
export function dotRows(a: Float32Array, ra: number, b: Float32Array, rb: number, dim: number): number {
  const oa = ra * dim;
  const ob = rb * dim;
  let s = 0;
  for (let i = 0; i < dim; i++) s += a[oa + i] * b[ob + i];
  return s;
}
