/**
 * `npm run eval -- --questions <file.jsonl> [--corpus <dir>]` or `--squad <file.json>`: scores the
 * answer engine (hybrid, BM25-only, dense-only) and writes `reports/eval-<name>.{json,md}`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../src/config.js';
import { Embedder } from '../src/embed/embedder.js';
import { DEFAULT_TUNING, DENSE_ONLY, LEXICAL_ONLY } from '../src/answer/tuning.js';
import { readQuestions, readSquad, type EvalQuestion } from '../src/eval/datasets.js';
import { evaluate, type Metrics, type QuestionResult } from '../src/eval/metrics.js';
import { runMain } from '../src/cli/run.js';
import { evenSample, openCachedEngine } from '../src/eval/workspace.js';
import type { Article } from '../src/types.js';

const program = new Command()
  .name('eval')
  .description('Measure answer quality: first-quote hit, citation hit, hit@3, abstention, passage recall, latency.')
  .option('--questions <file>', 'JSONL questions (answers/sources/unanswerable)', '../shared/eval/seed-questions.jsonl')
  .option('--corpus <dir>', 'corpus the questions are about (default CORPUS_DIR)')
  .option('--squad <file>', 'SQuAD v1.1 JSON: index its paragraphs and ask its questions')
  .option('--limit <n>', 'ask only the first n questions (evenly spread)', (v) => Number(v))
  .option('--modes <list>', 'comma-separated: hybrid,bm25,dense', 'hybrid,bm25,dense')
  .option('--out <dir>', 'report folder', 'reports')
  .option('--name <name>', 'report name (default from the input)')
  .option('--index <dir>', 'index folder to build and use (default: a cached one per input under .tmp/eval)')
  .parse();

const opts = program.opts<{ questions: string; corpus?: string; squad?: string; limit?: number; modes: string; out: string; name?: string; index?: string }>();
const MODES = { hybrid: DEFAULT_TUNING, bm25: LEXICAL_ONLY, dense: DENSE_ONLY } as const;

await runMain(async () => {
  const config = loadConfig();
  const embedder = await Embedder.forConfig(config);
  let questions: EvalQuestion[];
  let articles: Article[] | undefined;
  let name: string;
  if (opts.squad) {
    ({ articles, questions } = readSquad(opts.squad));
    name = opts.name ?? 'squad';
  } else {
    questions = readQuestions(opts.questions);
    name = opts.name ?? path.basename(opts.questions).replace(/\.jsonl?$/, '');
  }
  if (opts.limit) questions = evenSample(questions, opts.limit);
  // A cached index per input under .tmp/eval: incremental builds make re-runs cheap.
  const corpusDir = path.resolve(opts.corpus ?? config.corpusDir);
  const key = opts.squad ? `squad-${path.basename(opts.squad)}` : `corpus-${corpusDir.replace(/[^\w]+/g, '_').slice(-60)}`;
  const { engine, summary } = await openCachedEngine({ ...config, corpusDir }, embedder, key, articles, opts.index);
  process.stderr.write(`index: ${summary.articles} articles, ${summary.sentences} sentences, ${summary.passages} passages (${summary.embeddedArticles} embedded now)\n`);

  const rows: { mode: string; metrics: Metrics; results: QuestionResult[] }[] = [];
  for (const mode of opts.modes.split(',').map((m) => m.trim()) as (keyof typeof MODES)[]) {
    if (!MODES[mode]) throw new Error(`unknown mode ${mode}; use hybrid, bm25 or dense`);
    const { metrics, results } = await evaluate(engine, questions, MODES[mode], (done, total) => {
      if (done % 500 === 0) process.stderr.write(`${mode}: ${done}/${total}\n`);
    });
    rows.push({ mode, metrics, results });
  }

  fs.mkdirSync(opts.out, { recursive: true });
  const report = {
    name,
    createdAt: new Date().toISOString(),
    model: embedder.info,
    index: { articles: summary.articles, sentences: summary.sentences, passages: summary.passages },
    tuning: DEFAULT_TUNING,
    rows: rows.map((r) => ({ mode: r.mode, ...r.metrics })),
    misses: rows[0].results.filter((r) => (r.unanswerable ? !r.abstained : !r.firstQuoteHit || !r.citationHit)),
  };
  fs.writeFileSync(path.join(opts.out, `eval-${name}.json`), JSON.stringify(report, null, 2));
  const md = markdown(name, rows.map((r) => ({ mode: r.mode, ...r.metrics })));
  fs.writeFileSync(path.join(opts.out, `eval-${name}.md`), md);
  process.stdout.write(md);
});

function markdown(name: string, rows: ({ mode: string } & Metrics)[]): string {
  const f = (x: number | null) => (x === null ? '—' : x.toFixed(3));
  const lines = [
    `## Eval: ${name}`,
    '',
    '| mode | questions | first-quote hit | citation hit | hit@3 | R@1 | R@5 | MRR | abstention (unanswerable) | false abstention | p50 ms | p95 ms |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.mode} | ${r.questions} | ${f(r.firstQuoteHit)} | ${f(r.citationHit)} | ${f(r.hitAt3)} | ${f(r.recallAt1)} | ${f(r.recallAt5)} | ${f(r.mrr)} | ${f(r.abstentionRate)} | ${f(r.falseAbstentionRate)} | ${r.p50Ms.toFixed(1)} | ${r.p95Ms.toFixed(1)} |`,
    ),
    '',
  ];
  return lines.join('\n');
}
