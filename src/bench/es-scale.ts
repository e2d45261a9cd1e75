/**
 * The scale row of the Elasticsearch store: `n` seeded synthetic unit vectors (the same generator as
 * the in-process scale rows, `synthetic.ts`) bulk-loaded into a 2-node cluster as the store maps
 * sentences (`dense_vector`, cosine, int8 HNSW m 16, 1 replica), then query latency, recall@10 against
 * exact search, and each node's memory. `npm run bench -- --store elasticsearch --scale-only 200000`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import type { ElasticsearchConfig } from '../config.js';
import { indexBody } from '../index/elasticsearch/layout.js';
import { exactSearch } from '../index/vector-store.js';
import { machineInfo, type MachineInfo } from './machine.js';
import { roundDeep, summarize, type Summary } from './stats.js';
import { syntheticQueries, syntheticVectors } from './synthetic.js';

export interface EsScaleRow {
  vectors: number;
  dim: number;
  shards: number;
  replicas: number;
  /** Bulk load until searchable with its replica (green), and the rate over that time. */
  loadSeconds: number;
  vectorsPerSecond: number;
  /** Segments of the primary after the load (searched as they are, as a build's indexes are). */
  segments: number;
  query: Summary;
  recallAt10: number;
  queries: number;
  numCandidates: number;
  /** Store size on disk (primaries + replicas) and each node's memory after the queries. */
  storeMb: number;
  nodes: { name: string; heapUsedMb: number; rssMb?: number }[];
  machine: MachineInfo;
}

/**
 * Loads, queries and measures; deletes its index at the end.
 *
 * @example
 * const row = await measureEsScale(client, config.elasticsearch, 200_000, { rss: () => cluster.memory() });
 */
export async function measureEsScale(
  client: Client,
  es: ElasticsearchConfig,
  n: number,
  options: { dim?: number; queries?: number; reuse?: boolean; rss?: () => { node: number; rssBytes: number }[]; log?: (line: string) => void } = {},
): Promise<EsScaleRow> {
  const dim = options.dim ?? 384;
  const log = options.log ?? (() => {});
  const index = `${es.prefix}-scale-${n}`;
  const vectors = syntheticVectors(n, dim);
  // A complete index of these (seeded, so identical) vectors left by an interrupted run is measured
  // as it is: its load time is then unknown (NaN), the rest is measured.
  const existing = await client.count({ index }).then((r) => r.count, () => -1);
  const reuse = options.reuse === true && existing === n;
  if (!reuse) {
    await client.indices.delete({ index, ignore_unavailable: true });
    await client.indices.create({ index, ...indexBody('sentences', dim, es) });
  }
  const t0 = performance.now();
  const batch = 1000;
  for (let from = 0; !reuse && from < n; from += batch) {
    const operations: object[] = [];
    for (let i = from; i < Math.min(n, from + batch); i++) operations.push({ index: { _index: index, _id: String(i) } }, { a: 0, p: 0, v: Array.from(vectors[i]) });
    // Minutes, not the client's 30 s: segment merges stall bulk requests on a busy 2-core machine.
    const r = await client.bulk({ operations }, { requestTimeout: 600_000 });
    if (r.errors) throw new Error(`bulk refused documents: ${JSON.stringify(r.items.find((x) => x.index?.error)?.index?.error)}`);
    if ((from / batch) % 20 === 0) log(`  ${from + batch}/${n} vectors written (${((performance.now() - t0) / 1000).toFixed(0)} s)…`);
  }
  if (!reuse) {
    await client.indices.putSettings({ index, settings: { number_of_replicas: es.replicas, refresh_interval: '1s' }, timeout: '600s', master_timeout: '600s' }, { requestTimeout: 660_000 });
    await client.indices.refresh({ index }, { requestTimeout: 600_000 });
  }
  await waitGreen(client, index, es.replicas > 0 ? 'green' : 'yellow');
  const loadSeconds = reuse ? NaN : (performance.now() - t0) / 1000;
  // Not force-merged: the product's builds are not either (segments as the bulk load left them).
  const segments = (await client.cat.segments({ index, format: 'json' })).filter((s) => s.prirep === 'p').length;
  log(`  loaded in ${loadSeconds.toFixed(0)} s, ${segments} segments; querying…`);

  const flat = new Float32Array(n * dim);
  vectors.forEach((v, i) => flat.set(v, i * dim));
  const queries = syntheticQueries(options.queries ?? 200, dim, {}, n);
  const numCandidates = 100;
  const times: number[] = [];
  let hits = 0;
  for (const [i, q] of queries.entries()) {
    const t = performance.now();
    const r = await client.search({ index, knn: { field: 'v', query_vector: Array.from(q), k: 10, num_candidates: numCandidates }, size: 10, _source: false });
    if (i >= 10) times.push(performance.now() - t); // the first ones warm the caches
    const exact = new Set(exactSearch(flat, dim, q, 10).map((h) => h.id));
    hits += r.hits.hits.filter((h) => exact.has(Number(h._id))).length;
  }
  const stats = await client.indices.stats({ index, metric: ['store'] });
  const nodeStats = await client.nodes.stats({ metric: ['jvm'] });
  const rss = options.rss?.();
  const row: EsScaleRow = {
    vectors: n,
    dim,
    shards: es.shards,
    replicas: es.replicas,
    loadSeconds,
    vectorsPerSecond: n / loadSeconds,
    segments,
    query: summarize(times),
    recallAt10: hits / (10 * queries.length),
    queries: queries.length,
    numCandidates,
    storeMb: (stats._all.total?.store?.size_in_bytes ?? 0) / 2 ** 20,
    nodes: Object.values(nodeStats.nodes).map((s) => {
      const i = Number(String(s.name).replace(/\D+/g, ''));
      const r = rss?.find((m) => m.node === i);
      return { name: String(s.name), heapUsedMb: (s.jvm?.mem?.heap_used_in_bytes ?? 0) / 2 ** 20, ...(r ? { rssMb: r.rssBytes / 2 ** 20 } : {}) };
    }),
    machine: machineInfo(),
  };
  await client.indices.delete({ index, ignore_unavailable: true });
  return roundDeep(row);
}

/** Polls health until the index reaches `status` (short requests: one long wait timed out here under load). */
async function waitGreen(client: Client, index: string, status: 'green' | 'yellow'): Promise<void> {
  const deadline = performance.now() + 1_800_000;
  for (;;) {
    const h = await client.cluster.health({ index }).catch(() => undefined);
    if (h && (h.status === 'green' || (status === 'yellow' && h.status === 'yellow'))) return;
    if (performance.now() > deadline) throw new Error(`${index} did not turn ${status} in 30 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/**
 * Keeps a row as `reports/scale/elasticsearch-<n>.json` and renders all kept rows as Markdown.
 *
 * @example
 * saveEsScaleRow('reports/scale', row); esScaleMarkdown('reports/scale');
 */
export function saveEsScaleRow(dir: string, row: EsScaleRow): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `elasticsearch-${row.vectors}.json`), JSON.stringify(row, null, 2) + '\n');
}

export function esScaleMarkdown(dir: string): string {
  const rows = fs.existsSync(dir)
    ? fs.readdirSync(dir).filter((f) => /^elasticsearch-\d+\.json$/.test(f)).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as EsScaleRow).sort((a, b) => a.vectors - b.vectors)
    : [];
  if (rows.length === 0) return '';
  // null: not measured (JSON keeps NaN as null).
  const f = (x: number | null, d = 1) => (x === null || !Number.isFinite(x) ? '—' : x.toFixed(d));
  return [
    '## Scale: synthetic vectors in the 2-node cluster (`--scale-only <n>`)',
    '',
    '| vectors | load (bulk + replica) | vectors/s | segments | query p50 | query p99 | recall@10 | store (with replica) | per node |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.map(
      (r) =>
        `| ${r.vectors.toLocaleString('en')} | ${f(r.loadSeconds, 0)} s | ${f(r.vectorsPerSecond, 0)} | ${r.segments ?? '—'} | ${f(r.query.p50)} ms | ${f(r.query.p99)} ms | ${f(r.recallAt10, 3)} | ${f(r.storeMb, 0)} MB | ${r.nodes.map((x) => `${x.name}: heap ${f(x.heapUsedMb, 0)} MB${x.rssMb ? `, RSS ${f(x.rssMb, 0)} MB` : ''}`).join('; ')} |`,
    ),
    '',
    `Vectors of ${rows[0].dim} dimensions, int8 HNSW (m 16, ef_construction 100), ${rows[0].shards} shard, ${rows[0].replicas} replica, num_candidates ${rows[0].numCandidates}, k 10, ${rows[0].queries} queries (first 10 not timed) from the same clustered generator as the in-process rows. Measured ${rows.map((r) => r.machine.date).join(', ')} (load ${rows.map((r) => r.machine.loadAverage.toFixed(1)).join(', ')} at the start).`,
    '',
  ].join('\n');
}
