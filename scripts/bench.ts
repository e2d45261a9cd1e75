/**
 * `npm run bench [-- --quick] [--json <file>]`: measures indexing throughput, query latency, HNSW
 * recall, cold start, memory, incremental rebuilds and scale on this machine, and writes
 * `reports/bench.{json,md,svg}` (see src/bench/).
 */
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../src/config.js';
import { runMain } from '../src/cli/run.js';
import { defaultOptions, runBench } from '../src/bench/run.js';
import path from 'node:path';
import { scaleMarkdown, writeReport } from '../src/bench/report.js';
import { measureScaleInChild, saveScaleRow } from '../src/bench/scale.js';
import { benchServiceOnly } from '../src/bench/service.js';

const int = (v: string) => {
  const x = Number(v);
  if (!Number.isInteger(x) || x < 0) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return x;
};
const ints = (v: string) => v.split(',').map((s) => int(s.trim()));

const program = new Command()
  .name('bench')
  .description('Measure speed honestly on this machine; write reports/bench.{json,md,svg}.')
  .option('--quick', 'small samples (about a minute once the index cache in .tmp/bench is warm)')
  .option('--json <file>', 'also write the JSON report to this file')
  .option('--out <dir>', 'report folder', 'reports')
  .option('--bbc <n>', 'BBC articles to index', int)
  .option('--squad-docs <n>', 'SQuAD documents (of 48) in the query index', int)
  .option('--questions <n>', 'questions timed against the engine', int)
  .option('--naive-questions <n>', 'questions timed against the naive peer', int)
  .option('--throughput-texts <n>', 'texts compared across product / raw ONNX Runtime', int)
  .option('--scale <list>', 'synthetic vector counts, e.g. 10000,100000', ints)
  .option('--scale-only <list>', 'only measure these synthetic vector counts (e.g. 1000000) and keep each row in reports/scale/ for later full reports', ints)
  .option('--service-only', 'only measure the answer service and thin shards (reports/bench-service.{json,md})')
  .option('--store <store>', 'elasticsearch: only measure the Elasticsearch store side by side with local (reports/bench-elasticsearch.{json,md})')
  .option('--million-budget <seconds>', 'build 1M vectors only if the extrapolated build fits (0: never)', int)
  .parse();

const opts = program.opts<{
  quick?: boolean; json?: string; out: string; bbc?: number; squadDocs?: number; questions?: number;
  naiveQuestions?: number; throughputTexts?: number; scale?: number[]; scaleOnly?: number[]; millionBudget?: number;
  serviceOnly?: boolean; store?: string;
}>();

await runMain(async () => {
  const config = loadConfig();
  config.modelDir ??= '../shared/models';
  const base = defaultOptions(Boolean(opts.quick));
  if (opts.store !== undefined) {
    if (opts.store !== 'elasticsearch') program.error(`--store takes elasticsearch (the local store is in every bench), got "${opts.store}".`);
    const { benchElasticsearch } = await import('../src/bench/elasticsearch.js');
    process.stdout.write(await benchElasticsearch(config, { out: opts.out, quick: Boolean(opts.quick), scaleOnly: opts.scaleOnly, log: (line) => process.stderr.write(line + '\n') }));
    return;
  }
  if (opts.serviceOnly) {
    process.stdout.write(await benchServiceOnly(config, { out: opts.out, quick: Boolean(opts.quick), log: (line) => process.stderr.write(line + '\n') }));
    return;
  }
  if (opts.scaleOnly) {
    const rows = [];
    for (const size of opts.scaleOnly) {
      process.stderr.write(`scale: ${size.toLocaleString('en')} vectors (fresh process)…\n`);
      const row = await measureScaleInChild(size);
      saveScaleRow(path.join(opts.out, 'scale'), row);
      rows.push(row);
    }
    process.stdout.write(scaleMarkdown(rows));
    return;
  }
  const report = await runBench(config, {
    ...base,
    bbcArticles: opts.bbc ?? base.bbcArticles,
    squadDocuments: opts.squadDocs ?? base.squadDocuments,
    questions: opts.questions ?? base.questions,
    naiveQuestions: opts.naiveQuestions ?? base.naiveQuestions,
    throughputTexts: opts.throughputTexts ?? base.throughputTexts,
    scaleSizes: opts.scale ?? base.scaleSizes,
    millionBudgetSeconds: opts.millionBudget ?? base.millionBudgetSeconds,
    scaleDir: path.join(opts.out, 'scale'),
    log: (line) => process.stderr.write(line + '\n'),
  });
  const md = writeReport(report, opts.out, opts.json);
  process.stdout.write(md);
});
