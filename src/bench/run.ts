/**
 * The benchmark, end to end: each section measures one thing (see its module) and the results are
 * gathered into one report object. `scripts/bench.ts` parses the command line and calls `runBench`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { openEngine } from '../answer/engine.js';
import { Embedder } from '../embed/embedder.js';
import { buildIndex } from '../index/build.js';
import { FILES, readUint32, resolveCurrent, switchCurrent } from '../index/format.js';
import { readCorpus } from '../ingest/index.js';
import { DEFAULT_HNSW } from '../index/vector-store.js';
import { readQuestions, readSquad } from '../eval/datasets.js';
import { measureColdStart, runChild } from './cold-start.js';
import { copyFiles, evenSample, indexTexts, listTextFiles, squadDocuments } from './corpus.js';
import { goal, type Goal } from './goals.js';
import { sweepEfSearch } from './hnsw.js';
import { measureIncremental } from './incremental.js';
import { machineInfo, rssMb } from './machine.js';
import { extrapolate, loadScaleRow, measureScaleInChild, saveScaleRow, type ScaleRow } from './scale.js';
import { compareThroughput, openNaive, openRawModel } from './throughput.js';
import { defaultPoolSize, EmbedPool } from '../embed/pool.js';
import { measureService } from './service.js';

export interface BenchOptions {
  quick: boolean;
  /** BBC News folder (`../shared/datasets/bbc-news`). */
  bbcDir: string;
  squadFile: string;
  /** BBC articles indexed (an even sample over the five topics). */
  bbcArticles: number;
  /** SQuAD documents (of 48) whose paragraphs join the query index. */
  squadDocuments: number;
  /** Questions timed against the engine. */
  questions: number;
  /** Questions timed against the naive peer (it is slow). */
  naiveQuestions: number;
  /**
   * Question files whose unanswerable questions the corpus does not hold (the seed articles' 2014 news; the
   * seeds' off-topic questions): timed apart, to show how fast silence comes.
   */
  unheldQuestionFiles: string[];
  /** Texts (of the build's) on which product, raw ONNX Runtime and batch sizes are compared. */
  throughputTexts: number;
  /** Texts embedded one at a time by the naive pipeline (each round). */
  naiveTexts: number;
  /** Interleaved rounds of product / raw / naive; the best round of each counts. */
  throughputRounds: number;
  /** BBC articles in the query index (cached in workDir between runs). */
  queryBbcArticles: number;
  /** Raw ONNX Runtime batch sizes tried. */
  batchSizes: number[];
  /** Product embedder batch sizes tried (32 is its default). */
  productBatchSizes: number[];
  efSearch: number[];
  /** Question vectors for the recall sweep. */
  recallQueries: number;
  scaleSizes: number[];
  /** Also build 1,000,000 vectors when the extrapolated build fits in this many seconds (0: never). */
  millionBudgetSeconds: number;
  /** Measured scale rows are kept here; a kept 1M row (`--scale-only 1000000`) fills the report's. */
  scaleDir: string;
  coldStartRuns: number;
  /** Scratch folder for corpora and indexes (kept between runs: builds are incremental). */
  workDir: string;
  log: (line: string) => void;
}

/** Defaults for `--quick` (under a minute once the index cache is warm) and the full run. */
export function defaultOptions(quick: boolean): Omit<BenchOptions, 'log'> {
  return {
    quick,
    bbcDir: '../shared/datasets/bbc-news',
    squadFile: '../shared/datasets/squad-dev-v1.1-public.json',
    bbcArticles: quick ? 30 : 250,
    queryBbcArticles: quick ? 200 : 250,
    squadDocuments: quick ? 6 : 48,
    questions: quick ? 100 : 500,
    naiveQuestions: quick ? 8 : 60,
    unheldQuestionFiles: ['eval/seed-unanswerable.jsonl', '../shared/eval/seed-questions.jsonl'],
    throughputTexts: quick ? 200 : 1500,
    naiveTexts: quick ? 60 : 300,
    throughputRounds: quick ? 2 : 3,
    batchSizes: [8, 16, 32, 64],
    productBatchSizes: quick ? [32, 8] : [32, 8, 16, 64],
    efSearch: [32, 64, 96, 128, 200],
    recallQueries: quick ? 100 : 300,
    scaleSizes: quick ? [10_000] : [10_000, 100_000],
    millionBudgetSeconds: quick ? 0 : 240,
    scaleDir: 'reports/scale',
    coldStartRuns: quick ? 2 : 3,
    workDir: '.tmp/bench',
  };
}

/**
 * Runs every section and returns the report (figures, machine, goals, notes).
 *
 * @example
 * const report = await runBench(loadConfig(), { ...defaultOptions(true), log: (l) => process.stderr.write(l + '\n') });
 * report.query.p50Ms;
 */
export async function runBench(config: Config, options: BenchOptions) {
  const log = options.log;
  const t0 = performance.now();
  const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(0)}s`;
  const machine = machineInfo();
  const notes: string[] = [];
  const work = path.resolve(options.workDir);
  fs.mkdirSync(work, { recursive: true });

  const embedder = await Embedder.forConfig(config);
  const modelDir = config.modelDir ?? '../shared/models';

  // --- Incremental rebuild (and the product's build throughput) on a BBC sample -------------------
  const allBbc = listTextFiles(options.bbcDir);
  const sample = evenSample(allBbc, options.bbcArticles);
  const corpusDir = path.join(work, `corpus-bbc${sample.length}`);
  copyFiles(options.bbcDir, sample, corpusDir);
  const bbcIndexDir = path.join(work, `index-bbc${sample.length}`);
  log(`[${elapsed()}] full + incremental build of ${sample.length} BBC articles…`);
  const incremental = await measureIncremental(config, embedder, corpusDir, bbcIndexDir, sample[Math.floor(sample.length / 2)]);
  log(`[${elapsed()}] full build ${incremental.full.seconds.toFixed(1)} s (${incremental.full.textsPerSecond.toFixed(0)} texts/s), incremental ${incremental.incremental.seconds.toFixed(2)} s`);

  // --- Throughput: product vs raw ONNX Runtime vs naive pipeline, same texts -----------------------
  const { loadIndex } = await import('../index/load.js');
  const bbcIndex = await loadIndex(bbcIndexDir, embedder.info);
  const texts = indexTexts(bbcIndex);
  const allTexts = [...texts.sentences, ...texts.passages, ...texts.words];
  const measureSet = evenSample(allTexts, options.throughputTexts);
  log(`[${elapsed()}] throughput on ${measureSet.length} of ${allTexts.length} build texts…`);
  const { pooling, maxTokens } = embedder.info;
  const rawOptions = { modelDir, model: config.embeddingModel, quantized: config.quantized, maxTokens, pooling };
  const raw = await openRawModel(rawOptions);
  const naiveModel = await openNaive(rawOptions);
  const workers = config.embedWorkers ?? defaultPoolSize();
  const embedPool = workers > 1 ? await EmbedPool.open(embedder.poolOptions(modelDir), workers) : undefined;
  let throughput: Awaited<ReturnType<typeof compareThroughput>>;
  try {
    throughput = await compareThroughput({ embedder, raw, naive: naiveModel, pool: embedPool, rawOptions }, measureSet, {
      rounds: options.throughputRounds,
      batchSizes: options.batchSizes,
      productBatchSizes: options.productBatchSizes,
      naiveTexts: options.naiveTexts,
      buildUsesPool: incremental.full.embedWorkers > 1,
      onRound: (round) => log(`[${elapsed()}]   round ${round}/${options.throughputRounds} done`),
    });
  } finally {
    // Worker processes hold IPC channels open: a failed measurement must not leave the bench hanging.
    await naiveModel.dispose();
    await embedPool?.close();
  }

  // --- Query latency: BBC sample + SQuAD, warm engine vs naive peer --------------------------------
  const squad = readSquad(options.squadFile);
  const squadArticles = squadDocuments(squad.articles, options.squadDocuments);
  const squadIds = new Set(squadArticles.map((a) => a.id));
  const querySample = evenSample(allBbc, options.queryBbcArticles);
  const queryCorpusDir = path.join(work, `corpus-query-bbc${querySample.length}`);
  copyFiles(options.bbcDir, querySample, queryCorpusDir); // same bytes each run: the build reuses vectors
  const queryIndexDir = path.join(work, `index-bbc${querySample.length}-squad${options.squadDocuments}`);
  seedFrom(bbcIndexDir, queryIndexDir);
  const bbcArticles = (await readCorpus(queryCorpusDir)).articles;
  log(`[${elapsed()}] query index: ${bbcArticles.length} BBC + ${squadArticles.length} SQuAD articles (incremental)…`);
  const queryConfig = { ...config, indexDir: queryIndexDir, corpusDir: queryCorpusDir };
  const querySummary = await buildIndex(queryConfig, { embedder, articles: [...bbcArticles, ...squadArticles] });
  const engine = await openEngine(queryConfig, { embedder });
  const seen = new Set<string>();
  const pool = squad.questions.filter((q) => q.sources.some((s) => squadIds.has(s)) && !seen.has(q.question) && seen.add(q.question));
  const picked = evenSample(pool, options.questions + 20);
  const warmup = picked.filter((_, i) => i % Math.ceil(picked.length / 20) === 1).slice(0, 20);
  const warmSet = new Set(warmup);
  const questions = picked.filter((q) => !warmSet.has(q)).slice(0, options.questions).map((q) => q.question);
  const naiveQuestions = evenSample(questions, options.naiveQuestions);
  const unheld = options.unheldQuestionFiles.flatMap((file) => readQuestions(file).filter((q) => q.unanswerable).map((q) => q.question));
  log(`[${elapsed()}] serving process: ${questions.length} questions against the engine, ${naiveQuestions.length} against the naive peer…`);
  const serving = await runChild(
    { indexDir: queryIndexDir, modelDir, serve: { warmup: warmup.map((q) => q.question), questions, naive: naiveQuestions, unheld } },
    warmup[0].question,
  );
  if (!serving.latency || !serving.naive) throw new Error('the serving process reported no latencies');
  const latency = serving.latency;
  const naiveQuery = serving.naive;
  const benchRssMb = rssMb();

  // --- The answer service over HTTP (what it adds per question) and thin vs full shard RSS ---------
  log(`[${elapsed()}] answer service (its own process) and bot shard processes…`);
  const service = await measureService({
    indexDir: queryIndexDir,
    modelDir,
    warmup: warmup.map((q) => q.question),
    questions: questions.slice(0, options.quick ? 50 : 200),
    log,
  });

  // --- HNSW recall@10 vs exact, per efSearch ------------------------------------------------------
  log(`[${elapsed()}] HNSW efSearch sweep…`);
  const recallQuestions = evenSample(questions, options.recallQueries);
  const queryVectors = await embedder.embed(recallQuestions, { kind: 'query' });
  const idx = engine.index;
  const hnswSweep = await sweepEfSearch(
    {
      file: path.join(idx.dir, FILES.sentenceGraph),
      flat: idx.sentenceVectors,
      dim: idx.manifest.embedding.dim,
      size: idx.manifest.counts.sentences,
      labels: {
        labels: readUint32(path.join(idx.dir, FILES.sentenceLabels), idx.manifest.counts.sentences),
        elements: idx.manifest.graphs?.sentences.elements ?? idx.manifest.counts.sentences,
      },
      m: idx.manifest.hnsw.m,
      efConstruction: idx.manifest.hnsw.efConstruction,
    },
    queryVectors,
    options.efSearch,
    engine.tuning.sentenceHits,
  );
  const atDefault = hnswSweep.rows.find((r) => r.efSearch === DEFAULT_HNSW.efSearch) ?? hnswSweep.rows[hnswSweep.rows.length - 1];
  const enough = hnswSweep.rows.find((r) => r.recallAt10 >= 0.99);

  // --- Cold start (seed corpus) and RSS while serving (BBC + SQuAD), in child processes -----------
  const seedIndexDir = path.join(work, 'index-seed');
  await buildIndex({ ...config, indexDir: seedIndexDir }, { embedder });
  log(`[${elapsed()}] cold start × ${options.coldStartRuns}…`);
  const cold = await measureColdStart({ indexDir: seedIndexDir, modelDir }, 'Who is the Pentagon spokesman?', options.coldStartRuns);

  // --- Scale: synthetic vectors in HnswStore ------------------------------------------------------
  const scaleRows: ScaleRow[] = [];
  for (const n of options.scaleSizes) {
    log(`[${elapsed()}] scale: ${n.toLocaleString('en')} vectors (fresh process)…`);
    const row = await measureScaleInChild(n);
    if (!options.quick) saveScaleRow(options.scaleDir, row);
    scaleRows.push(row);
  }
  let million: ReturnType<typeof extrapolate> | undefined;
  /** 'run': measured by this run; 'kept': measured earlier by `--scale-only`; false: extrapolated only. */
  let millionMeasured: 'run' | 'kept' | false = scaleRows.some((r) => r.vectors >= 1_000_000) ? 'run' : false;
  if (scaleRows.length >= 2 && !millionMeasured) {
    const [small, large] = scaleRows.slice(-2);
    million = extrapolate(small, large, 1_000_000);
    const kept = loadScaleRow(options.scaleDir, 1_000_000);
    if (options.millionBudgetSeconds > 0 && million.buildSeconds <= options.millionBudgetSeconds) {
      log(`[${elapsed()}] scale: 1,000,000 vectors (estimated ${million.buildSeconds.toFixed(0)} s)…`);
      const row = await measureScaleInChild(1_000_000);
      saveScaleRow(options.scaleDir, row);
      scaleRows.push(row);
      millionMeasured = 'run';
    } else if (kept) {
      scaleRows.push(kept);
      millionMeasured = 'kept';
      notes.push(
        `The 1,000,000 row was measured by \`npm run bench -- --scale-only 1000000\` (kept in ${options.scaleDir}/1000000.json, dated ${kept.machine?.date.slice(0, 16).replace('T', ' ') ?? '—'} UTC, load average ${kept.machine ? f2(kept.machine.loadAverage) : '—'}), not by this run: it takes about ${Math.round(kept.buildSeconds / 60)} min, beyond the ${options.millionBudgetSeconds} s budget.`,
      );
    } else {
      notes.push(
        `1,000,000 vectors not built: extrapolated build ${million.buildSeconds.toFixed(0)} s (growth exponent ${million.exponent.toFixed(2)} from ${small.vectors.toLocaleString('en')}→${large.vectors.toLocaleString('en')}) exceeds the ${options.millionBudgetSeconds} s budget; run \`npm run bench -- --scale-only 1000000\` to measure it.`,
      );
    }
  }

  const speedupP50 = naiveQuery.total.p50 / latency.total.p50;
  const ratioToRaw = throughput.productBuild.textsPerSecond / throughput.rawBest.textsPerSecond;
  const ratioToNaive = throughput.productBuild.textsPerSecond / throughput.naive.textsPerSecond;
  const coldStartMs = cold.wallToAnswer.p50;
  const servingRss = serving.rssServingMb ?? serving.rssAfterFirstMb;
  const goals: Goal[] = [
    goal('indexing throughput ÷ raw ONNX Runtime', ratioToRaw, '×', { atLeast: 0.9 }),
    goal('indexing throughput ÷ naive pipeline', ratioToNaive, '×', { atLeast: 5 }),
    // With the reader (issue 11's budget); the stage table shows what the reader's share is.
    goal('query p50 (warm, with the reader)', latency.total.p50, 'ms', { atMost: 40 }),
    goal('query p99 (warm, with the reader)', latency.total.p99, 'ms', { atMost: 120 }),
    goal('query speed-up vs naive (p50)', speedupP50, '×', { atLeast: 20 }),
    goal(`HNSW recall@10 (efSearch ${atDefault.efSearch})`, atDefault.recallAt10, '', { atLeast: 0.99 }),
    goal('cold start (process → first answer)', coldStartMs, 'ms', { atMost: 2500 }),
    goal('RSS while serving', servingRss, 'MB', { atMost: 450 }),
  ];

  return {
    name: 'bench',
    mode: options.quick ? 'quick' : 'full',
    machine,
    loadAverageAtEnd: machineInfo().loadAverage,
    seconds: (performance.now() - t0) / 1000,
    model: embedder.info,
    options: { ...options, log: undefined },
    goals,
    build: {
      ratioToRaw,
      ratioToNaive,
      corpus: { source: options.bbcDir, articles: incremental.full.articles, of: allBbc.length, sentences: texts.sentences.length, passages: texts.passages.length, words: texts.words.length, texts: allTexts.length },
      /** The full build: texts embedded per second of embedding, all its texts. */
      textsPerSecond: incremental.full.textsPerSecond,
      buildRatioToRaw: incremental.full.textsPerSecond / throughput.rawBest.textsPerSecond,
      seconds: incremental.full.seconds,
      embedSeconds: incremental.full.embedSeconds,
      sameInputs: throughput,
    },
    query: {
      p50Ms: latency.total.p50,
      p95Ms: latency.total.p95,
      p99Ms: latency.total.p99,
      questions: questions.length,
      index: { dir: queryIndexDir, articles: querySummary.articles, sentences: querySummary.sentences, passages: querySummary.passages, bbc: bbcArticles.length, squad: squadArticles.length },
      stages: latency,
      naive: naiveQuery,
      naiveBatched: serving.naiveBatched,
      naiveQuestions: naiveQuestions.length,
      unheld: serving.unheld ?? null,
      unheldFiles: options.unheldQuestionFiles,
      speedupP50,
      speedupP50VsBatched: serving.naiveBatched ? serving.naiveBatched.total.p50 / latency.total.p50 : null,
      speedupMean: naiveQuery.total.mean / latency.total.mean,
      queriesPerSecondPerCore: 1000 / latency.total.mean,
    },
    hnsw: {
      recallAt10: atDefault.recallAt10,
      params: DEFAULT_HNSW,
      vectors: idx.manifest.counts.sentences,
      queries: queryVectors.length,
      sweep: hnswSweep.rows,
      exactSearchMs: hnswSweep.exactMs,
      recommendedEfSearch: enough?.efSearch ?? null,
    },
    coldStartMs,
    coldStart: { index: seedIndexDir, ...cold },
    rssMb: servingRss,
    rss: { servingChild: serving, benchProcessMb: benchRssMb },
    incremental,
    service,
    scale: { rows: scaleRows, million, millionMeasured },
    notes,
  };
}

export type BenchReport = Awaited<ReturnType<typeof runBench>>;

const f2 = (x: number) => x.toFixed(2);

/** Gives `to` a first build copied from `from` when it has none, so a new index reuses vectors. */
function seedFrom(from: string, to: string): void {
  try {
    resolveCurrent(to);
    return;
  } catch {
    /* no build yet */
  }
  const src = resolveCurrent(from);
  const dest = path.join(to, 'builds', path.basename(src));
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.cpSync(src, dest, { recursive: true });
  switchCurrent(to, dest);
}
