/**
 * The bench report's three faces: JSON (every figure, rounded), Markdown (tables, goals with marks)
 * and a small SVG chart of latency percentiles (engine stages vs the naive peer).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_EMBED_BATCH } from '../embed/embedder.js';
import { mark } from './goals.js';
import type { BenchReport } from './run.js';
import type { ScaleRow } from './scale.js';
import { roundDeep, type Summary } from './stats.js';
import { barChartSvg } from './svg.js';
import { serviceMarkdown } from './service.js';

/**
 * Writes `<out>/bench.{json,md,svg}` and, when given, the JSON also to `jsonFile`. Returns the Markdown.
 *
 * @example
 * const md = writeReport(report, 'reports', 'bench-result.json');
 */
export function writeReport(report: BenchReport, out: string, jsonFile?: string): string {
  fs.mkdirSync(out, { recursive: true });
  const json = JSON.stringify(roundDeep(report, 4), null, 2) + '\n';
  fs.writeFileSync(path.join(out, 'bench.json'), json);
  if (jsonFile) {
    fs.mkdirSync(path.dirname(path.resolve(jsonFile)), { recursive: true });
    fs.writeFileSync(jsonFile, json);
  }
  fs.writeFileSync(path.join(out, 'bench.svg'), latencySvg(report));
  const md = markdown(report);
  fs.writeFileSync(path.join(out, 'bench.md'), md);
  return md;
}

/**
 * The latency chart: p50/p95/p99 of each engine stage, the whole answer, and the naive peer.
 *
 * @example
 * fs.writeFileSync('bench.svg', latencySvg(report));
 */
export function latencySvg(report: BenchReport): string {
  const s = report.query.stages;
  const row = (label: string, x: Summary) => ({ label, values: [x.p50, x.p95, x.p99] });
  return barChartSvg({
    title: `Warm query latency, ${report.query.questions} SQuAD questions (${report.mode} run)`,
    unit: 'ms',
    series: ['p50', 'p95', 'p99'],
    groups: [row('embed', s.embed), row('search', s.search), row('select', s.select), row('read', s.read), row('engine total', s.total), row('naive peer', report.query.naive.total)],
  });
}

const f = (x: number | null | undefined, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(d));
const n = (x: number) => x.toLocaleString('en');
const bold = (yes: boolean, x: number) => (yes ? `**${f(x, 0)}**` : f(x, 0));

/**
 * The Markdown report.
 *
 * @example
 * process.stdout.write(markdown(report));
 */
export function markdown(r: BenchReport): string {
  const t = r.build.sameInputs;
  const L = r.query.stages;
  const lat = (name: string, x: Summary) => `| ${name} | ${f(x.p50, 2)} | ${f(x.p95, 2)} | ${f(x.p99, 2)} | ${f(x.mean, 2)} |`;
  const lines: string[] = [
    `# Benchmark (${r.mode} run)`,
    '',
    `${r.machine.date.slice(0, 19).replace('T', ' ')} UTC · ${r.machine.cpu} · ${r.machine.cores} cores · ${f(r.machine.memoryGb, 0)} GB · Node ${r.machine.node} · load average at start ${f(r.machine.loadAverage, 2)} · at end ${f(r.loadAverageAtEnd, 2)} · bench took ${f(r.seconds, 0)} s`,
    '',
    `Model ${r.model.model} (${r.model.quantized ? 'int8' : 'fp32'}, ${r.model.dim}-d, ≤ ${r.model.maxTokens} word pieces). The machine is shared: other processes used the CPU during the run, so timings are upper bounds.`,
    '',
    '## Goals',
    '',
    '| | goal | measured | |',
    '|---|---|---|---|',
    ...r.goals.map((g) => `| ${g.name} | ${g.goal} | ${f(g.measured, g.unit === '' ? 3 : g.unit === '×' ? 2 : 1)}${g.unit && g.unit !== '×' ? ' ' + g.unit : g.unit} | ${mark(g.pass)} |`),
    '',
    '## Indexing throughput',
    '',
    `Corpus: ${n(r.build.corpus.articles)} of ${n(r.build.corpus.of)} BBC News articles (an even sample over the five topics) → ${n(r.build.corpus.sentences)} sentences + ${n(r.build.corpus.passages)} passages + ${n(r.build.corpus.words)} vocabulary words = ${n(r.build.corpus.texts)} texts embedded.`,
    `Full build: ${f(r.build.seconds)} s, of which embedding ${f(r.build.embedSeconds)} s${r.incremental.full.embedWorkers > 1 ? ` on ${r.incremental.full.embedWorkers} worker processes, their start-up included` : ''} → **${f(r.build.textsPerSecond, 0)} texts/s** (${f(r.build.buildRatioToRaw, 2)}× the raw best below).`,
    '',
    `Same inputs for all three: ${n(t.texts)} of the build's texts (an even slice), mean ${f(t.meanTokens, 1)} word pieces; ${t.rounds} interleaved rounds, the best round of each path counts.`,
    '',
    '| path | batch | texts/s | padding share | notes |',
    '|---|---|---|---|---|',
    ...t.raw.map((b) => `| raw ONNX Runtime, one session (default threads) | ${b.batchSize} | ${bold(b === t.rawBest, b.textsPerSecond)} | ${f(b.paddingShare * 100, 1)} % | sorted by word pieces, tokenized beforehand${b === t.rawBest ? ' — **best: the limit**' : ''} |`),
    ...(t.rawParallel
      ? [`| raw ONNX Runtime, ${t.processes} processes × 1 thread, side by side | ${t.rawParallel.batchSize} | ${bold(t.rawParallel.textsPerSecond === t.rawBest.textsPerSecond, t.rawParallel.textsPerSecond)} | ${f(t.rawParallel.paddingShare * 100, 1)} % | every other batch each, tokenized beforehand${t.rawParallel.textsPerSecond === t.rawBest.textsPerSecond ? ' — **best: the limit**' : ''} |`]
      : []),
    `| raw + tokenization | ${t.rawBest.batchSize} | ${f(t.rawPlusTokenizeTextsPerSecond, 0)} | | tokenizing alone: ${f(t.tokenize.textsPerSecond, 0)} texts/s |`,
    ...t.product.map((b) => `| product embedder, in process | ${b.batchSize} | ${bold(b === t.productBuild, b.textsPerSecond)} | ${f(b.paddingShare * 100, 1)} % | sorted by word pieces, tokenization included${b === t.productBuild ? ' — small builds and questions, **as this build did**' : b.batchSize === DEFAULT_EMBED_BATCH ? ' — small builds and questions' : ''} |`),
    ...(t.productPool
      ? [`| product embedder + EmbedPool, ${t.processes} worker processes | ${t.productPool.batchSize} | ${bold(t.productPool === t.productBuild, t.productPool.textsPerSecond)} | ${f(t.productPool.paddingShare * 100, 1)} % | tokenized in the main process, batches handed to the workers — what builds of ≥ 4,000 texts run${t.productPool === t.productBuild ? ', **as this build did**' : ''} |`]
      : []),
    `| naive pipeline, one text at a time | 1 | ${f(t.naive.textsPerSecond, 0)} | 0 % | ${n(t.naive.texts)} texts of the same slice, per-text rate extrapolated |`,
    '',
    `Product as builds run it ÷ raw best = **${f(r.build.ratioToRaw, 2)}×**, product ÷ naive = **${f(r.build.ratioToNaive, 2)}×**.`,
    '',
    `Same vectors? Product vs raw ONNX Runtime run on the product's own batches: cosine min ${f(t.productVsRawCosine.min, 4)}, mean ${f(t.productVsRawCosine.mean, 4)} (the same computation). Product batched vs the same texts embedded alone: min ${f(t.batchedVsAloneCosine.min, 4)}, mean ${f(t.batchedVsAloneCosine.mean, 4)} — the int8 model quantizes activations dynamically, with one scale per batch tensor (padding included), so a text's vector depends on what it is batched with.`,
    '',
    '## Query latency (warm)',
    '',
    `Index: ${n(r.query.index.bbc)} BBC + ${n(r.query.index.squad)} SQuAD articles → ${n(r.query.index.sentences)} sentences, ${n(r.query.index.passages)} passages. ${r.query.questions} distinct SQuAD questions, each asked once after 20 warm-up questions (no question-cache hits), in a fresh serving process (not the bench's own, whose heap holds three models and several indexes); ${r.query.stages.abstained} abstained. The naive peer runs in the same process afterwards.`,
    '',
    '| stage (ms) | p50 | p95 | p99 | mean |',
    '|---|---|---|---|---|',
    lat('embed question', L.embed),
    lat('search (HNSW ×2 + BM25 + fusion)', L.search),
    lat('select (sentence scoring, abstain)', L.select),
    lat('read (the reader on the best candidates)', L.read),
    lat('quotes (cutting, also-in)', L.quotes),
    lat('**engine total**', L.total),
    lat(`naive peer total (${r.query.naiveQuestions} questions)`, r.query.naive.total),
    lat('naive: embed question', r.query.naive.embed),
    lat('naive: exact scan of all sentences', r.query.naive.scan),
    lat(`naive: embed the top ${r.query.naive.candidates} sentences, each on its own`, r.query.naive.reembed),
    ...(r.query.naiveBatched
      ? [lat(`stricter peer total: the same, those ${r.query.naiveBatched.candidates} sentences embedded in batches of ${DEFAULT_EMBED_BATCH}`, r.query.naiveBatched.total)]
      : []),
    '',
    // Only with a reader: without one no pair is read and there is no cost a pair to show.
    ...(r.query.stages.readPairs?.mean
      ? [
          `The reader read ${f(r.query.stages.readPairs.mean, 2)} question–sentence pairs per question (p50 ${f(r.query.stages.readPairs.p50, 0)}, p95 ${f(r.query.stages.readPairs.p95, 0)}, p99 ${f(r.query.stages.readPairs.p99, 0)}): ${f(r.query.stages.read.mean / r.query.stages.readPairs.mean, 1)} ms a pair on the mean. Its cost grows with the pairs, so its tail is the questions no sentence convinces (the cascade reads on).`,
          '',
        ]
      : []),
    // How fast silence comes: the reader is not run when silence is certain (an unknown name, every candidate below the floor).
    ...(r.query.unheld
      ? [
          `Questions this corpus does not hold (the ${r.query.unheld.total.n} unanswerable questions of ${r.query.unheldFiles.map((file) => `\`${file}\``).join(' and ')}: about the seed articles' 2014 news, or off every topic), in the same process: ${r.query.unheld.abstained} answered with silence, ${r.query.unheld.abstainedUnread ?? 0} of them without running the reader; p50 ${f(r.query.unheld.total.p50, 1)} ms, p95 ${f(r.query.unheld.total.p95, 1)}, mean ${f(r.query.unheld.total.mean, 1)}, pairs read ${f(r.query.unheld.readPairs?.mean ?? 0, 2)} a question on the mean (none when silence is certain without the reader: a name no article mentions, or every candidate below the cosine floor).`,
          '',
        ]
      : []),
    `Speed-up over the naive peer (linear scan + per-sentence embedding at query time, as the issue defines it): **${f(r.query.speedupP50, 1)}×** at p50 (${f(r.query.speedupMean, 1)}× on the mean)${r.query.speedupP50VsBatched ? `; over the stricter peer that batches its candidates: ${f(r.query.speedupP50VsBatched, 1)}× at p50` : ''}. One core answers ≈ ${f(r.query.queriesPerSecondPerCore, 0)} questions/s.`,
    '',
    '![latency percentiles](bench.svg)',
    '',
    '## HNSW recall@10 vs exact search',
    '',
    `${n(r.hnsw.vectors)} sentence vectors of the query index, ${r.hnsw.queries} real question vectors; graph M = ${r.hnsw.params.m}, efConstruction = ${r.hnsw.params.efConstruction}. Exact search (brute-force dot products in JS): p50 ${f(r.hnsw.exactSearchMs.p50, 2)} ms.`,
    '',
    `| efSearch | recall@10 | recall@48 (engine's k) | search p50 ms | p99 ms |`,
    '|---|---|---|---|---|',
    ...r.hnsw.sweep.map((x) => `| ${x.efSearch}${x.efSearch === r.hnsw.params.efSearch ? ' (default)' : ''} | ${f(x.recallAt10, 4)} | ${f(x.recallAtHits, 4)} | ${f(x.latency.p50, 3)} | ${f(x.latency.p99, 3)} |`),
    '',
    r.hnsw.recommendedEfSearch === null
      ? 'No efSearch tried reached recall@10 ≥ 0.99.'
      : `Smallest efSearch with recall@10 ≥ 0.99: **${r.hnsw.recommendedEfSearch}** (default is ${r.hnsw.params.efSearch}). The engine asks for 48 sentence neighbours, so efSearch below 48 is raised to 48 by the store.`,
    '',
    '## Cold start and memory',
    '',
    `Cold start = wall time from spawning \`node --import tsx src/bench/cold-start-child.ts\` (seed corpus index) to its answer line: **${f(r.coldStartMs, 0)} ms** (median of ${r.coldStart.runs.length}).`,
    '',
    '| run | wall → answer | Node + tsx start | imports | open engine (index + model) | first answer | RSS after |',
    '|---|---|---|---|---|---|---|',
    ...r.coldStart.runs.map((c, i) => `| ${i + 1} | ${f(c.wallToAnswerMs, 0)} ms | ${f(c.processToScriptMs, 0)} ms | ${f(c.importMs, 0)} ms | ${f(c.openEngineMs, 0)} ms | ${f(c.firstAnswerMs, 0)} ms | ${f(c.rssAfterFirstMb, 0)} MB |`),
    '',
    `RSS while serving the BBC + SQuAD index (a fresh process; median of ${r.rss.servingChild.rssSamples ?? 1} readings, one every 25 of its ${r.rss.servingChild.served ?? 0} questions): **${f(r.rssMb, 0)} MB**, at most ${f(r.rss.servingChild.rssServingMaxMb, 0)} MB (at the end: JS heap ${f(r.rss.servingChild.heapUsedMb, 0)} MB, array buffers/external ${f(r.rss.servingChild.externalMb, 0)} MB); that process's cold start, to its first answer: ${f(r.rss.servingChild.sinceProcessStartMs, 0)} ms (opening the engine ${f(r.rss.servingChild.openEngineMs, 0)} ms). The bench process itself (three model copies loaded) was at ${f(r.rss.benchProcessMb, 0)} MB.`,
    '',
    '## Incremental rebuild',
    '',
    `${n(r.incremental.full.articles)} BBC articles; \`${r.incremental.editedFile}\` gets one paragraph appended.`,
    '',
    '| build | seconds | embedded articles | embedded texts |',
    '|---|---|---|---|',
    `| full | ${f(r.incremental.full.seconds, 2)} | ${n(r.incremental.full.articles)} | ${n(r.incremental.full.embeddedTexts)} |`,
    `| incremental (one article changed) | ${f(r.incremental.incremental.seconds, 2)} | ${r.incremental.incremental.embeddedArticles} | ${n(r.incremental.incremental.embeddedTexts)} |`,
    '',
    `Incremental is ${f(r.incremental.speedup, 1)}× faster. ${r.incremental.incremental.graphs === 'updated' ? 'The HNSW graphs were updated in place (the changed article\'s vectors replaced); what remains is reading and hashing the corpus and rewriting BM25, the vectors and the term table (linear in corpus size).' : 'The HNSW graphs were rebuilt from all vectors.'}`,
    '',
    '## Scale (synthetic vectors in HnswStore)',
    '',
    `Seeded 384-d unit vectors drawn around random cluster centres (one per 100 vectors); 100 queries from the same distribution; M ${r.hnsw.params.m}, efConstruction ${r.hnsw.params.efConstruction}, efSearch ${r.hnsw.params.efSearch}.`,
    '',
    ...scaleTable(r.scale.rows, r.scale.millionMeasured === 'kept' ? 1_000_000 : undefined),
    ...(r.scale.million && !r.scale.millionMeasured
      ? [`| 1,000,000 (**extrapolated**, not measured) | ${f(r.scale.million.buildSeconds, 0)} | | ${f(r.scale.million.vectorsMb, 0)} | ${f(r.scale.million.indexMb, 0)} | | | | | |`]
      : []),
    '',
    ...scaleGrowth(r.scale.rows),
    ...(r.service ? serviceMarkdown(r.service) : []),
    ...(r.notes.length ? ['## Notes', '', ...r.notes.map((x) => `- ${x}`), ''] : []),
  ];
  return lines.join('\n');
}

/**
 * How build time and memory grow between consecutive measured scale rows (exponent of n).
 *
 * @example
 * scaleGrowth(rows); // ['From 10,000 to 100,000 vectors: build time × 31.8 (n^1.50), index memory × 8.2.', …]
 */
export function scaleGrowth(rows: ScaleRow[]): string[] {
  const sorted = [...rows].sort((a, b) => a.vectors - b.vectors);
  const lines = sorted.slice(1).map((b, i) => {
    const a = sorted[i];
    const k = Math.log(b.vectors / a.vectors);
    return `- From ${n(a.vectors)} to ${n(b.vectors)} vectors: build time × ${f(b.buildSeconds / a.buildSeconds, 1)} (n^${f(Math.log(b.buildSeconds / a.buildSeconds) / k, 2)}), index memory × ${f(b.indexMb / a.indexMb, 1)} (n^${f(Math.log(b.indexMb / a.indexMb) / k, 2)}), query p99 × ${f(b.query.p99 / a.query.p99, 1)}.`;
  });
  return lines.length ? ['How it grows:', '', ...lines, ''] : [];
}

/**
 * The scale table's header and one row per measured size; `keptSize` is labelled as measured earlier.
 *
 * @example
 * scaleTable(rows).join('\n'); // '| vectors | build s | …'
 */
export function scaleTable(rows: ScaleRow[], keptSize?: number): string[] {
  return [
    '| vectors | build s | inserts/s | vectors as JS arrays MB | HNSW index MB | bytes/vector | efSearch | query p50 ms | p99 ms | recall@10 |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((x) => `| ${n(x.vectors)}${x.vectors === keptSize ? ' (measured earlier, see notes)' : ''} | ${f(x.buildSeconds, 1)} | ${f(x.insertsPerSecond, 0)} | ${f(x.vectorsMb, 0)} | ${f(x.indexMb, 0)} | ${f(x.bytesPerVector, 0)} | ${x.efSearch} | ${f(x.query.p50, 3)} | ${f(x.query.p99, 3)} | ${f(x.recallAt10, 4)} |`),
  ];
}

/**
 * What `npm run bench -- --scale-only <sizes>` prints: the scale table and its growth.
 *
 * @example
 * process.stdout.write(scaleMarkdown(rows));
 */
export function scaleMarkdown(rows: ScaleRow[]): string {
  const m = rows[0]?.machine;
  return ['# Scale (synthetic vectors in HnswStore)', '', m ? `${m.date.slice(0, 19).replace('T', ' ')} UTC · ${m.cpu} · ${m.cores} cores · load average at start ${f(m.loadAverage, 2)}` : '', '', ...scaleTable(rows), '', ...scaleGrowth(rows)].join('\n') + '\n';
}
