/**
 * Latency statistics: percentiles (linear interpolation between closest ranks, as numpy's default)
 * and a one-line summary of a sample. Pure functions: the bench's tests run them.
 */

export interface Summary {
  n: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * The `p`-th percentile (0…100) of a sample, interpolating linearly between the two closest ranks.
 * An empty sample gives NaN.
 *
 * @example
 * percentile([1, 2, 3, 4], 50); // 2.5
 * percentile([5], 99);          // 5
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  if (p < 0 || p > 100) throw new RangeError(`percentile must be within 0…100, got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

/**
 * Count, mean, p50/p95/p99 and max of a sample (milliseconds, typically).
 *
 * @example
 * summarize([1, 2, 3, 4, 100]); // { n: 5, mean: 22, p50: 3, p95: 80.8, p99: 96.16, max: 100 }
 */
export function summarize(values: readonly number[]): Summary {
  const n = values.length;
  const mean = n ? values.reduce((s, v) => s + v, 0) / n : NaN;
  return {
    n,
    mean,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    max: n ? Math.max(...values) : NaN,
  };
}

/**
 * Rounds every number of a (nested) value to `digits` decimals, for readable JSON reports.
 *
 * @example
 * roundDeep({ a: 1.23456, b: [2.71828] }, 2); // { a: 1.23, b: [2.72] }
 */
export function roundDeep<T>(value: T, digits = 3): T {
  const f = 10 ** digits;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'number') return Number.isFinite(v) ? Math.round(v * f) / f : v;
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}
