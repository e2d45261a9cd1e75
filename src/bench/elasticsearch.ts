/**
 * `npm run bench -- --store elasticsearch`: the Elasticsearch store side by side with the local one on
 * this machine, written to `reports/bench-elasticsearch.{json,md}`:
 * - build: the local build (vectors reused from the bench's cache) vs writing that build into the
 *   cluster (bulk, replicas, alias switch), at two corpus sizes;
 * - query latency (whole answer and the retrieval stage) on the same SQuAD questions, one process;
 * - kNN recall@10 of the cluster's int8 HNSW against exact search over the same vectors;
 * - RSS of an answering process with each store at both corpus sizes (fresh processes);
 * - the cluster nodes' memory.
 * The cluster is ELASTICSEARCH_URL when it answers, else a local 2-node one started for the run.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import type { Article } from '../types.js';
import { openEngine } from '../answer/engine.js';
import { Embedder } from '../embed/embedder.js';
import { readSquad } from '../eval/datasets.js';
import { buildIndex } from '../index/build.js';
import { loadIndex } from '../index/load.js';
import { exactSearch } from '../index/vector-store.js';
import { readCorpus } from '../ingest/corpus.js';
import { openClient } from '../index/elasticsearch/client.js';
import { indexName } from '../index/elasticsearch/layout.js';
import { ElasticsearchSource } from '../index/elasticsearch/source.js';
import { writeBuild } from '../index/elasticsearch/write.js';
import { startLocalCluster, type LocalCluster } from '../devcluster/cluster.js';
import { copyFiles, evenSample, listTextFiles, squadDocuments } from './corpus.js';
import { esScaleMarkdown, measureEsScale, saveEsScaleRow } from './es-scale.js';
import { machineInfo } from './machine.js';
import { roundDeep, summarize, type Summary } from './stats.js';

export interface EsBenchOptions {
  out: string;
  quick: boolean;
  /** Only the synthetic scale rows of these sizes (kept in `<out>/scale/elasticsearch-<n>.json`). */
  scaleOnly?: number[];
  log: (line: string) => void;
}

interface CorpusRow {
  label: string;
  articles: number;
  sentences: number;
  passages: number;
  localBuildSeconds: number;
  clusterWriteSeconds: number;
  clusterDocuments: number;
  clusterDocsPerSecond: number;
  clusterPassagesPerSecond: number;
  localPassagesPerSecond: number;
  rss: { local: RssRow; elasticsearch: RssRow };
  /** The next build after changing, removing and adding 1 % of the articles each. */
  incremental?: { changed: number; removed: number; added: number; localSeconds: number; clusterSeconds: number; documents: number; carried: boolean };
}

/**
 * The corpus of a next build: every 100th article changed (a sentence appended), every 100th
 * removed, every 100th copied under a new id (at least one of each).
 */
function perturb(articles: Article[]): { articles: Article[]; counts: { changed: number; removed: number; added: number } } {
  const out: Article[] = [];
  const counts = { changed: 0, removed: 0, added: 0 };
  const step = Math.min(100, Math.max(3, Math.floor(articles.length / 3)));
  articles.forEach((a, i) => {
    const r = i % step;
    if (r === 0) return void counts.removed++;
    if (r === 1) {
      counts.changed++;
      return void out.push({ ...a, text: `${a.text}\n\nThis sentence was added for the incremental build benchmark.`, hash: `${a.hash}-changed` });
    }
    out.push(a);
    if (r === 2) {
      counts.added++;
      out.push({ ...a, id: `${a.id}-copy`, file: `${a.file}-copy`, hash: `${a.hash}-copy` });
    }
  });
  return { articles: out, counts };
}

interface RssRow {
  rssMb: number;
  rssAfterGcMb: number;
  heapUsedMb: number;
  externalMb: number;
}

/**
 * Runs the comparison and writes the report; returns its Markdown.
 *
 * @example
 * process.stdout.write(await benchElasticsearch(loadConfig(), { out: 'reports', quick: false, log: console.error }));
 */
export async function benchElasticsearch(config: Config, options: EsBenchOptions): Promise<string> {
  const { log } = options;
  const work = path.resolve('.tmp/bench');
  fs.mkdirSync(work, { recursive: true });
  const modelDir = config.modelDir ?? '../shared/models';
  const embedder = await Embedder.forConfig(config);

  let started: LocalCluster | undefined;
  let es = config.elasticsearch;
  const probe = openClient(es);
  const reachable = await probe.cluster.health({ timeout: '5s' }).then(() => true, () => false);
  await probe.close();
  if (!reachable) {
    log(`no cluster at ${es.urls.join(',')}: starting a local 2-node one for the bench…`);
    started = await startLocalCluster({ nodes: 2, log });
    es = { ...es, urls: started.nodeUrls };
  }
  const esConfig: Config = { ...config, vectorStore: 'elasticsearch', elasticsearch: { ...es, replicas: 1 } };
  const client = openClient(esConfig.elasticsearch);
  try {
    if (options.scaleOnly) {
      for (const n of options.scaleOnly) {
        log(`scale: ${n.toLocaleString('en')} synthetic vectors into the cluster…`);
        const row = await measureEsScale(client, { ...esConfig.elasticsearch, prefix: 'bench' }, n, { rss: started ? () => started!.memory() : undefined, log, reuse: process.env.ES_SCALE_REUSE === '1' });
        saveEsScaleRow(path.join(options.out, 'scale'), row);
      }
      return esScaleMarkdown(path.join(options.out, 'scale'));
    }
    // The two corpora of `npm run bench` (its cache in .tmp/bench makes them cheap): a small BBC slice,
    // and BBC + SQuAD (the query index).
    const squad = readSquad('../shared/datasets/squad-dev-v1.1-public.json');
    const bbcDir = '../shared/datasets/bbc-news';
    const allBbc = listTextFiles(bbcDir);
    const small = evenSample(allBbc, 30);
    const large = evenSample(allBbc, options.quick ? 200 : 250);
    const squadArticles = squadDocuments(squad.articles, options.quick ? 6 : 48);
    const corpora = [
      { label: `${small.length} BBC`, key: `bbc${small.length}`, files: small, extra: [] as typeof squadArticles },
      { label: `${large.length} BBC + ${squadArticles.length} SQuAD`, key: `bbc${large.length}-squad${options.quick ? 6 : 48}`, files: large, extra: squadArticles },
    ];
    const squadIds = new Set(squadArticles.map((a) => a.id));
    const seen = new Set<string>();
    const pool = squad.questions.filter((q) => q.sources.some((s) => squadIds.has(s)) && !seen.has(q.question) && seen.add(q.question));
    const questions = evenSample(pool, options.quick ? 40 : 200).map((q) => q.question);
    const rssQuestions = questions.slice(0, 30);

    const rows: CorpusRow[] = [];
    let latency: { local: Summary; elasticsearch: Summary; localSearch: Summary; elasticsearchSearch: Summary } | undefined;
    let recall: { queries: number; k: number; sentences: number; passages: number } | undefined;
    for (const c of corpora) {
      const corpusDir = path.join(work, c.extra.length ? `corpus-query-bbc${c.files.length}` : `corpus-bbc${c.files.length}`);
      if (!fs.existsSync(corpusDir)) copyFiles(bbcDir, c.files, corpusDir);
      const indexDir = path.join(work, `index-${c.key}`);
      const local = { ...config, indexDir, corpusDir };
      log(`${c.label}: local build (vectors reused from earlier runs when cached)…`);
      const articles = [...(await readCorpus(corpusDir)).articles, ...c.extra];
      const built = await buildIndex(local, { embedder, articles });
      const index = await loadIndex(indexDir, embedder.info);
      const prefix = `bench-${c.key}`;
      log(`${c.label}: writing ${built.sentences} sentences, ${built.passages} passages into the cluster…`);
      // Every document (a cluster kept from an earlier run would otherwise carry that build over).
      const written = await writeBuild(client, { ...esConfig.elasticsearch, prefix }, index, { full: true });
      const remoteConfig: Config = { ...esConfig, indexDir, elasticsearch: { ...esConfig.elasticsearch, prefix } };

      log(`${c.label}: RSS of answering processes (local, elasticsearch)…`);
      const rss = {
        local: await rssChild({ ...process.env, MODEL_DIR: modelDir, INDEX_DIR: indexDir, VECTOR_STORE: 'local' }, rssQuestions),
        elasticsearch: await rssChild(
          { ...process.env, MODEL_DIR: modelDir, INDEX_DIR: indexDir, VECTOR_STORE: 'elasticsearch', ELASTICSEARCH_URL: es.urls.join(','), ELASTICSEARCH_INDEX_PREFIX: prefix },
          rssQuestions,
        ),
      };
      rows.push({
        label: c.label,
        articles: built.articles,
        sentences: built.sentences,
        passages: built.passages,
        localBuildSeconds: built.seconds,
        clusterWriteSeconds: written.seconds,
        clusterDocuments: written.documents,
        clusterDocsPerSecond: written.documents / written.seconds,
        clusterPassagesPerSecond: built.passages / written.seconds,
        localPassagesPerSecond: built.passages / built.seconds,
        rss,
      });
      const row = rows[rows.length - 1];

      if (c.extra.length) {
        log(`${c.label}: ${questions.length} questions through each store…`);
        const localEngine = await openEngine(local, { embedder });
        const remoteEngine = await openEngine(remoteConfig, { embedder });
        const time = async (engine: typeof localEngine) => {
          for (const q of questions.slice(0, 10)) await engine.answer(q); // warm-up
          const total: number[] = [];
          const search: number[] = [];
          for (const q of questions) {
            const a = await engine.answer(q);
            total.push(a.ms);
            search.push(a.timings.searchMs);
          }
          return { total: summarize(total), search: summarize(search) };
        };
        const l = await time(localEngine);
        const r = await time(remoteEngine);
        latency = { local: l.total, elasticsearch: r.total, localSearch: l.search, elasticsearchSearch: r.search };

        log(`${c.label}: kNN recall@10 of the cluster against exact search…`);
        const vectors = await embedder.embed(questions.slice(0, 50), { kind: 'query' });
        const dim = index.manifest.embedding.dim;
        const knnRecall = async (kind: 'sentences' | 'passages', flat: Float32Array) => {
          let hit = 0;
          for (const v of vectors) {
            const exact = new Set(exactSearch(flat, dim, v, 10).map((h) => h.id));
            const r = await client.search({ index: indexName(prefix, kind, index.manifest.buildId), knn: { field: 'v', query_vector: Array.from(v), k: 10, num_candidates: 100 }, size: 10, _source: false });
            hit += r.hits.hits.filter((h) => exact.has(Number(h._id))).length;
          }
          return hit / (10 * vectors.length);
        };
        recall = { queries: vectors.length, k: 10, sentences: await knnRecall('sentences', index.sentenceVectors), passages: await knnRecall('passages', index.passageVectors) };
        await (remoteEngine.store as ElasticsearchSource).close();
      }

      log(`${c.label}: an incremental build into the cluster (1 % of the articles changed, 1 % removed, 1 % added)…`);
      const changed = perturb(articles);
      const rebuilt = await buildIndex(local, { embedder, articles: changed.articles });
      const again = await writeBuild(client, { ...esConfig.elasticsearch, prefix }, await loadIndex(indexDir, embedder.info));
      row.incremental = { ...changed.counts, localSeconds: rebuilt.seconds, clusterSeconds: again.seconds, documents: again.documents, carried: again.carried };
    }
    const nodes = started
      ? started.memory().map((m) => ({ node: m.node, rssMb: m.rssBytes / 2 ** 20 }))
      : Object.values((await client.nodes.stats({ metric: ['jvm', 'process'] })).nodes).map((n) => ({ node: n.name, heapUsedMb: (n.jvm?.mem?.heap_used_in_bytes ?? 0) / 2 ** 20 }));
    const report = roundDeep({ createdAt: new Date().toISOString(), machine: machineInfo(), cluster: { urls: es.urls, startedForBench: Boolean(started), nodes }, corpora: rows, latency, recall });
    fs.mkdirSync(options.out, { recursive: true });
    fs.writeFileSync(path.join(options.out, 'bench-elasticsearch.json'), JSON.stringify(report, null, 2) + '\n');
    const md = markdown(report) + esScaleMarkdown(path.join(options.out, 'scale'));
    fs.writeFileSync(path.join(options.out, 'bench-elasticsearch.md'), md);
    return md;
  } finally {
    await client.close();
    await started?.stop();
  }
}

function rssChild(env: NodeJS.ProcessEnv, questions: string[]): Promise<RssRow> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', 'src/bench/es-rss-child.ts', JSON.stringify(questions)], { env: { ...env, LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => {
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        resolve(JSON.parse(out.trim().split('\n').pop()!) as RssRow);
      } catch (e) {
        reject(new Error(`the answering process failed (${(e as Error).message}): ${out}`));
      }
    });
  });
}

type Report = {
  createdAt: string;
  machine: ReturnType<typeof machineInfo>;
  cluster: { urls: string[]; startedForBench: boolean; nodes: object[] };
  corpora: CorpusRow[];
  latency?: { local: Summary; elasticsearch: Summary; localSearch: Summary; elasticsearchSearch: Summary };
  recall?: { queries: number; k: number; sentences: number; passages: number };
};

function markdown(r: Report): string {
  const f = (n: number | undefined, d = 1) => (n === undefined || Number.isNaN(n) ? '—' : n.toFixed(d));
  const lines = [
    '# Elasticsearch store vs local store',
    '',
    `Measured ${r.createdAt} on ${r.machine.cores} cores (${r.machine.cpu}, load ${r.machine.loadAverage.toFixed(1)} at the start); cluster: ${r.cluster.urls.length} nodes${r.cluster.startedForBench ? ' started for the run (npm run es settings, 512 MB heaps)' : ''}, 1 replica. Command: \`npm run bench -- --store elasticsearch\`.`,
    '',
    '## Build: local files vs writing into the cluster',
    '',
    '| corpus | articles | sentences | passages | local build (vectors reused) | into the cluster (bulk, replicas, alias switch) | cluster documents/s |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...r.corpora.map((c) => `| ${c.label} | ${c.articles} | ${c.sentences} | ${c.passages} | ${f(c.localBuildSeconds)} s (${f(c.localPassagesPerSecond, 0)} passages/s) | ${f(c.clusterWriteSeconds)} s (${f(c.clusterPassagesPerSecond, 0)} passages/s) | ${f(c.clusterDocsPerSecond, 0)} |`),
    '',
    'The next build, after changing, removing and adding about 1 % of the articles each (incremental: the live build cloned, only what changed written):',
    '',
    '| corpus | changed / removed / added | local build | into the cluster | documents written or deleted | of a full write |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...r.corpora.flatMap((c) =>
      c.incremental
        ? [`| ${c.label} | ${c.incremental.changed} / ${c.incremental.removed} / ${c.incremental.added} | ${f(c.incremental.localSeconds)} s | ${f(c.incremental.clusterSeconds)} s${c.incremental.carried ? '' : ' (not carried: full write)'} | ${c.incremental.documents} | ${f((100 * c.incremental.documents) / c.clusterDocuments)} % |`]
        : [],
    ),
    '',
    '## Memory of an answering process (fresh process, 30 questions: RSS median while answering; after them and a GC: RSS, JS heap, buffers)',
    '',
    '| corpus | sentences | local: answering | local: after GC | elasticsearch: answering | elasticsearch: after GC |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...r.corpora.map((c) => `| ${c.label} | ${c.sentences} | ${f(c.rss.local.rssMb, 0)} MB | ${f(c.rss.local.rssAfterGcMb, 0)} MB (heap ${f(c.rss.local.heapUsedMb, 0)}, buffers ${f(c.rss.local.externalMb, 0)}) | ${f(c.rss.elasticsearch.rssMb, 0)} MB | ${f(c.rss.elasticsearch.rssAfterGcMb, 0)} MB (heap ${f(c.rss.elasticsearch.heapUsedMb, 0)}, buffers ${f(c.rss.elasticsearch.externalMb, 0)}) |`),
    '',
    `Cluster nodes: ${r.cluster.nodes.map((n) => JSON.stringify(n)).join(', ')}.`,
    '',
  ];
  if (r.latency) {
    const l = r.latency;
    lines.push(
      `## Query latency (${l.local.n} SQuAD questions on the larger corpus, same process, after 10 warm-up questions)`,
      '',
      '| store | answer p50 | answer p95 | answer p99 | retrieval p50 | retrieval p99 |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      `| local | ${f(l.local.p50)} ms | ${f(l.local.p95)} ms | ${f(l.local.p99)} ms | ${f(l.localSearch.p50)} ms | ${f(l.localSearch.p99)} ms |`,
      `| elasticsearch | ${f(l.elasticsearch.p50)} ms | ${f(l.elasticsearch.p95)} ms | ${f(l.elasticsearch.p99)} ms | ${f(l.elasticsearchSearch.p50)} ms | ${f(l.elasticsearchSearch.p99)} ms |`,
      '',
      'Retrieval with elasticsearch is the msearch and mget round trips plus building the question\'s partial index; the later round trips (figures for corroboration, word vectors for coverage) fall in the other stages.',
      '',
    );
  }
  if (r.recall) {
    lines.push(
      `## kNN recall@${r.recall.k} of the cluster (int8 HNSW, num_candidates 100) against exact search, ${r.recall.queries} questions`,
      '',
      `Sentences ${f(r.recall.sentences, 3)}, passages ${f(r.recall.passages, 3)} (the engine asks for 48 sentences and 24 passages with num_candidates ≥ 4k, then re-scores every candidate exactly).`,
      '',
    );
  }
  return lines.join('\n');
}
