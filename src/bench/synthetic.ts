/**
 * Seeded synthetic data for the scale test: a small PRNG (mulberry32), normal deviates, and unit
 * vectors drawn around random cluster centres (real sentence embeddings are clustered by topic;
 * uniformly random vectors in 384 dimensions are an unrealistically hard case for any ANN index).
 */

/**
 * A deterministic PRNG in [0, 1) (mulberry32): the same seed gives the same sequence.
 *
 * @example
 * const rng = mulberry32(42);
 * rng(); // 0.6011037519201636
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A standard normal deviate from a uniform PRNG (Box–Muller).
 *
 * @example
 * const x = gaussian(mulberry32(1)); // ≈ N(0, 1)
 */
export function gaussian(rng: () => number): number {
  const u = 1 - rng(); // (0, 1]: log(0) never happens
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Scales a vector to unit length in place and returns it. */
export function normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let i = 0; i < v.length; i++) v[i] *= inv;
  return v;
}

export interface SyntheticOptions {
  seed?: number;
  /** Cluster centres; 0 ⇒ uniformly random directions. Default: one per 100 vectors, at least 16. */
  clusters?: number;
  /** Spread around a centre, relative to the centre's length (1 = as far from it as it is from 0). */
  spread?: number;
}

/**
 * `n` unit vectors of dimension `dim`: centre + spread·noise, normalized; deterministic for a seed.
 * Queries from the same distribution come from `syntheticQueries`.
 *
 * @example
 * const vectors = syntheticVectors(10_000, 384, { seed: 1 }); // Float32Array(384)[], each |v| = 1
 */
export function syntheticVectors(n: number, dim: number, options: SyntheticOptions = {}): Float32Array[] {
  return draw(n, dim, options, options.seed ?? 1);
}

/**
 * Query vectors from the same distribution as `syntheticVectors(…, options)` (same centres), but
 * not in the data set.
 *
 * @example
 * const queries = syntheticQueries(100, 384, { seed: 1 }, 10_000);
 */
export function syntheticQueries(n: number, dim: number, options: SyntheticOptions, dataSize: number): Float32Array[] {
  return draw(n, dim, { ...options, clusters: options.clusters ?? defaultClusters(dataSize) }, (options.seed ?? 1) + 7919);
}

function defaultClusters(n: number): number {
  return Math.max(16, Math.round(n / 100));
}

function draw(n: number, dim: number, options: SyntheticOptions, sampleSeed: number): Float32Array[] {
  const clusters = options.clusters ?? defaultClusters(n);
  const spread = options.spread ?? 0.8;
  // Centres depend on the seed only, so queries drawn with another sample seed share them.
  const centreRng = mulberry32(options.seed ?? 1);
  const centres = Array.from({ length: clusters }, () => normalize(Float32Array.from({ length: dim }, () => gaussian(centreRng))));
  const rng = mulberry32(sampleSeed);
  const sigma = spread / Math.sqrt(dim); // noise of total length ≈ spread
  const out: Float32Array[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const v = new Float32Array(dim);
    const c = clusters > 0 ? centres[Math.floor(rng() * clusters)] : undefined;
    for (let d = 0; d < dim; d++) v[d] = (c ? c[d] : 0) + (c ? sigma : 1) * gaussian(rng);
    out[i] = normalize(v);
  }
  return out;
}
