/**
 * Scale: N synthetic unit vectors in the product's vector store (`HnswStore.build`): build time, RSS
 * growth, query latency and recall@10 against brute force.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_HNSW, HnswStore, type HnswParams } from '../index/vector-store.js';
import { collectGarbage, machineInfo, type MachineInfo } from './machine.js';
import { exactTopK, flatten, recallAtK, timedSearches } from './recall.js';
import { benchFile, runTsChild } from './child.js';
import { summarize, type Summary } from './stats.js';
import { syntheticQueries, syntheticVectors } from './synthetic.js';

export interface ScaleRow {
  vectors: number;
  dim: number;
  buildSeconds: number;
  /** Inserts per second while building. */
  insertsPerSecond: number;
  /** RSS growth holding the vectors as JS Float32Arrays. */
  vectorsMb: number;
  /** RSS growth from building the HNSW index (its own copy of the vectors + links). */
  indexMb: number;
  /** Index bytes per vector. */
  bytesPerVector: number;
  query: Summary;
  recallAt10: number;
  queries: number;
  efSearch: number;
  /** Where and when the row was measured (rows kept from an earlier run say so). */
  machine?: MachineInfo;
}

/**
 * Builds an HNSW store over `n` seeded synthetic vectors and measures it.
 *
 * @example
 * const row = measureScale(10_000); // { buildSeconds: 3.1, recallAt10: 0.99, … }
 */
export function measureScale(n: number, options: { dim?: number; queries?: number; seed?: number; params?: HnswParams } = {}): ScaleRow {
  const dim = options.dim ?? 384;
  const params = options.params ?? DEFAULT_HNSW;
  const machine = machineInfo(); // at the start: its load average is what the run began with
  const before = collectGarbage();
  const vectors = syntheticVectors(n, dim, { seed: options.seed ?? 1 });
  const afterVectors = collectGarbage();
  const t0 = performance.now();
  const store = HnswStore.build(vectors, dim, params);
  const buildSeconds = (performance.now() - t0) / 1000;
  const afterIndex = collectGarbage();

  const queries = syntheticQueries(options.queries ?? 100, dim, { seed: options.seed ?? 1 }, n);
  const flat = flatten(vectors, dim);
  vectors.length = 0; // let the per-vector arrays go; the flat copy serves brute force
  const exact = queries.map((q) => exactTopK(flat, dim, q, 10));
  timedSearches(store, queries.slice(0, 10), 10); // warm up
  const { ids: got, times } = timedSearches(store, queries, 10);
  const indexMb = afterIndex - afterVectors;
  return {
    vectors: n,
    dim,
    buildSeconds,
    insertsPerSecond: n / buildSeconds,
    vectorsMb: afterVectors - before,
    indexMb,
    bytesPerVector: (indexMb * 2 ** 20) / n,
    query: summarize(times),
    recallAt10: recallAtK(got, exact, 10),
    queries: queries.length,
    efSearch: params.efSearch,
    machine,
  };
}

/**
 * Extrapolates build time and memory to `target` vectors from two measured rows: memory linearly
 * (bytes per vector of the larger row), build time with the growth exponent between the two rows
 * (HNSW inserts cost ≈ log n each, so the exponent is a little above 1).
 *
 * @example
 * extrapolate(row10k, row100k, 1_000_000); // { vectors: 1e6, buildSeconds: 1400, indexMb: 1650, exponent: 1.08 }
 */
export function extrapolate(small: Pick<ScaleRow, 'vectors' | 'buildSeconds' | 'indexMb' | 'vectorsMb'>, large: Pick<ScaleRow, 'vectors' | 'buildSeconds' | 'indexMb' | 'vectorsMb'>, target: number): { vectors: number; buildSeconds: number; indexMb: number; vectorsMb: number; exponent: number } {
  const exponent = Math.log(large.buildSeconds / small.buildSeconds) / Math.log(large.vectors / small.vectors);
  const f = target / large.vectors;
  return { vectors: target, buildSeconds: large.buildSeconds * f ** exponent, indexMb: large.indexMb * f, vectorsMb: large.vectorsMb * f, exponent };
}

/**
 * `measureScale(n)` in a fresh process, so that the RSS growth is the store's alone.
 *
 * @example
 * const row = await measureScaleInChild(100_000);
 */
export async function measureScaleInChild(n: number): Promise<ScaleRow> {
  const { report } = await runTsChild<ScaleRow>(benchFile('scale-child.ts'), [String(n)], { ...process.env, LOG_LEVEL: 'silent' });
  return report;
}

/**
 * Keeps a measured row as `<dir>/<n>.json`, so that a long measurement (1M vectors take about an hour
 * here) made by `npm run bench -- --scale-only 1000000` appears in later full reports.
 *
 * @example
 * saveScaleRow('reports/scale', row); // reports/scale/1000000.json
 */
export function saveScaleRow(dir: string, row: ScaleRow): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${row.vectors}.json`), JSON.stringify(row, null, 2) + '\n');
}

/**
 * The row kept for `n` vectors by `saveScaleRow`, or undefined when none was kept or it is unreadable.
 *
 * @example
 * loadScaleRow('reports/scale', 1_000_000)?.buildSeconds; // 3210.4
 */
export function loadScaleRow(dir: string, n: number): ScaleRow | undefined {
  try {
    const row = JSON.parse(fs.readFileSync(path.join(dir, `${n}.json`), 'utf8')) as ScaleRow;
    return row.vectors === n && typeof row.buildSeconds === 'number' ? row : undefined;
  } catch {
    return undefined;
  }
}
