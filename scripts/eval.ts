/**
 * `npm run eval -- --questions <file.jsonl> [--corpus <dir>] [--include <patterns>]`, `--bbc dev|test
 * [--off-topic]`, `--squad <file.json> [--split test|tune|train]` or `--squad-unanswerable [--split …]`: scores the answer
 * engine (hybrid, BM25-only, dense-only) and writes `reports/eval-<name>.{json,md}`. `--tuning <file.json>`
 * tries other weights in the hybrid mode (merged into DEFAULT_TUNING).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { ConfigError, loadConfig } from '../src/config.js';
import { Embedder } from '../src/embed/embedder.js';
import { denseOnly, lexicalOnly, tuningFor, withoutReader, type Tuning } from '../src/answer/tuning.js';
import { readQuestions, readSquad, readSquadDocs, type EvalQuestion } from '../src/eval/datasets.js';
import { evaluate, type Metrics, type QuestionResult } from '../src/eval/metrics.js';
import { runMain } from '../src/cli/run.js';
import { openEngine } from '../src/answer/engine.js';
import { evenSample, openCachedEngine } from '../src/eval/workspace.js';
import { BBC_DIR, BBC_SLICES, corpusIndexKey, indexKey, readSelection, type BbcSlice } from '../src/eval/selection.js';
import { HOLDOUT_EVERY, readSplit, splitQuestions, squadHoldout, type SplitName } from '../src/eval/squad-split.js';
import type { Article } from '../src/types.js';

const SQUAD_FILE = '../shared/datasets/squad-dev-v1.1-public.json';

const program = new Command()
  .name('eval')
  .description('Measure answer quality: first-quote hit, citation hit, hit@3, abstention, passage recall, latency.')
  .option('--questions <file>', 'JSONL questions (answers/sources/unanswerable)', '../shared/eval/seed-questions.jsonl')
  .option('--corpus <dir>', 'corpus the questions are about (default CORPUS_DIR)')
  .option('--include <patterns>', 'index only these files of the corpus: comma-separated globs relative to it (*/0[0-1]?.txt) or number ranges (001-020)')
  .option('--bbc <slice>', `BBC slice preset: dev (files 001-020 of each folder, for tuning) or test (021-040, reporting only): corpus ${BBC_DIR}, questions eval/bbc-<slice>.jsonl`)
  .option('--squad <file>', 'SQuAD v1.1 JSON: index its paragraphs and ask its questions')
  .option('--split <name>', 'SQuAD: ask only the questions of this split of training/splits.json (test, tune, train)')
  .option(
    '--squad-unanswerable',
    `SQuAD on-topic unanswerable: every ${HOLDOUT_EVERY}th paragraph of each split article (default split: test) is left out of the index; its questions must get an abstention, the kept paragraphs' questions measure false abstention`,
  )
  .option('--off-topic', 'with --bbc: ask the slice the SQuAD questions of the matching split (dev: tune, test: test), all unanswerable there (off-topic silence)')
  .option('--limit <n>', 'ask only the first n questions (evenly spread)', (v) => Number(v))
  .option('--modes <list>', 'comma-separated: hybrid (everything), fusion (no reader), bm25, dense', 'hybrid,fusion,bm25,dense')
  .option('--out <dir>', 'report folder', 'reports')
  .option('--name <name>', 'report name (default from the input)')
  .option('--tuning <file>', 'JSON merged into the hybrid mode\'s tuning (objects merged at every depth, e.g. { "fusion": { "lexical": 0.35 } }), as `npm run tune -- --best` writes')
  .option('--index <dir>', 'index folder to build and use (default: a cached one per input and model under .tmp/eval)')
  .option('--store <store>', 'elasticsearch: answer through the cluster at ELASTICSEARCH_URL (the same build written there under the prefix eval-<input>); report eval-<name>-elasticsearch')
  .parse();

const opts = program.opts<{
  questions: string;
  corpus?: string;
  include?: string;
  bbc?: string;
  squad?: string;
  split?: string;
  squadUnanswerable?: boolean;
  offTopic?: boolean;
  limit?: number;
  modes: string;
  out: string;
  name?: string;
  index?: string;
  tuning?: string;
  store?: string;
}>();

await runMain(async () => {
  const config = loadConfig();
  // A broken --tuning file is reported before the model loads.
  const override = opts.tuning ? readTuningFile(opts.tuning) : undefined;
  const embedder = await Embedder.forConfig(config);
  // The embedder's own tuning (tuning.ts), with any --tuning file on top.
  const base = tuningFor(embedder.info.model);
  const HYBRID = override ? withOverride(base, override) : base;
  // The stages, each a row: the embedder alone (dense), words alone (bm25), both fused (fusion), + the reader (hybrid).
  const MODES: Record<string, Tuning> = { hybrid: HYBRID, fusion: withoutReader(HYBRID), bm25: lexicalOnly(HYBRID), dense: denseOnly(HYBRID) };
  let questions: EvalQuestion[];
  let articles: Article[] | undefined;
  let name: string;
  let key: string;
  let corpusDir = path.resolve(opts.corpus ?? config.corpusDir);
  /** What the report says about the input beyond the questions: selection, split, held-out paragraphs. */
  const input: Record<string, unknown> = {};

  if (opts.squadUnanswerable || opts.squad || opts.split) {
    if (opts.bbc || opts.include) throw new Error('--bbc and --include select corpus files; they do not combine with SQuAD');
    const file = opts.squad ?? SQUAD_FILE;
    const base = path.basename(file);
    input.squad = file;
    if (opts.squadUnanswerable) {
      const split = (opts.split ?? 'test') as SplitName;
      const h = squadHoldout(readSquadDocs(file), readSplit(split));
      articles = h.articles;
      questions = [...h.unanswerable, ...h.answerable];
      name = opts.name ?? `squad-unanswerable-${split}`;
      key = indexKey(`squad-${base}-holdout${HOLDOUT_EVERY}-${split}`);
      Object.assign(input, {
        split,
        holdout: {
          rule: `paragraph i (0-based) of each ${split} article left out of the index when (i + 1) % ${HOLDOUT_EVERY} === 0`,
          heldOutParagraphs: h.heldOut.length,
          indexedParagraphs: h.articles.length,
          unanswerableQuestions: h.unanswerable.length,
          answerableQuestions: h.answerable.length,
          droppedQuestions: h.dropped.length,
          droppedBecause: 'an answer string occurs (case-insensitive) in another paragraph of the same article',
        },
      });
      process.stderr.write(
        `squad-unanswerable (${split}): ${h.heldOut.length} paragraphs held out, ${h.unanswerable.length} unanswerable + ${h.answerable.length} answerable questions (${h.dropped.length} dropped: answer found elsewhere in the article)\n`,
      );
    } else if (opts.split) {
      const split = opts.split as SplitName;
      const docs = readSquadDocs(file);
      articles = docs.flatMap((d) => d.paragraphs.map((p) => p.article));
      questions = splitQuestions(docs, readSplit(split));
      name = opts.name ?? `squad-${split}`;
      key = indexKey(`squad-${base}`);
      input.split = split;
    } else {
      ({ articles, questions } = readSquad(file));
      name = opts.name ?? 'squad';
      key = indexKey(`squad-${base}`);
    }
  } else {
    let include = opts.include;
    let questionFile = opts.questions;
    if (opts.bbc) {
      const slice = BBC_SLICES[opts.bbc as BbcSlice];
      if (!slice) throw new Error(`unknown BBC slice "${opts.bbc}"; use ${Object.keys(BBC_SLICES).join(' or ')}`);
      corpusDir = path.resolve(opts.corpus ?? BBC_DIR);
      include ??= slice.include;
      if (program.getOptionValueSource('questions') === 'default') questionFile = slice.questions;
    }
    if (opts.offTopic) {
      if (!opts.bbc) throw new Error('--off-topic asks SQuAD questions of a BBC slice: give --bbc dev or --bbc test');
      // Wikipedia questions asked of news articles: the split the slice's own role matches (never train).
      const split: SplitName = opts.bbc === 'test' ? 'test' : 'tune';
      questions = splitQuestions(readSquadDocs(SQUAD_FILE), readSplit(split)).map((q) => ({ ...q, answers: [], sources: [], unanswerable: true }));
      name = opts.name ?? `bbc-${opts.bbc}-off-topic`;
      Object.assign(input, { offTopic: { squad: SQUAD_FILE, split } });
    } else {
      questions = readQuestions(questionFile);
      name = opts.name ?? path.basename(questionFile).replace(/\.jsonl?$/, '');
    }
    if (include) {
      const selection = await readSelection(corpusDir, include);
      articles = selection.articles;
      for (const s of selection.skipped) process.stderr.write(`skipped ${s.file}: ${s.reason}\n`);
      key = corpusIndexKey(corpusDir, selection.files);
      Object.assign(input, { corpus: shown(corpusDir), include, files: selection.files.length });
      process.stderr.write(`selection "${include}": ${selection.files.length} files of ${corpusDir}\n`);
    } else {
      key = corpusIndexKey(corpusDir);
      input.corpus = shown(corpusDir);
    }
    if (!opts.offTopic) input.questions = questionFile;
  }
  if (opts.limit) questions = evenSample(questions, opts.limit);
  if (opts.tuning) input.tuning = opts.tuning;
  // A cached index per input (and, by openCachedEngine, per model) under .tmp/eval: incremental builds make re-runs cheap.
  const cached = await openCachedEngine({ ...config, corpusDir }, embedder, key, articles, opts.index);
  const { summary } = cached;
  let engine = cached.engine;
  if (opts.store !== undefined && opts.store !== 'local') {
    if (opts.store !== 'elasticsearch') throw new Error(`--store takes local or elasticsearch, got "${opts.store}"`);
    const { mirrorToCluster } = await import('../src/index/elasticsearch/build.js');
    process.stderr.write(`writing the build into Elasticsearch (${config.elasticsearch.urls.join(',')})…\n`);
    engine = await openEngine(await mirrorToCluster(config, engine.index, `eval-${key}`), { embedder });
    name = `${name}-elasticsearch`;
    input.store = 'elasticsearch';
  }
  process.stderr.write(`index: ${summary.articles} articles, ${summary.sentences} sentences, ${summary.passages} passages (${summary.embeddedArticles} embedded now)\n`);

  const rows: { mode: string; metrics: Metrics; results: QuestionResult[] }[] = [];
  for (const mode of opts.modes.split(',').map((m) => m.trim()) as (keyof typeof MODES)[]) {
    if (!MODES[mode]) throw new Error(`unknown mode ${mode}; use hybrid, fusion, bm25 or dense`);
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
    input,
    index: { articles: summary.articles, sentences: summary.sentences, passages: summary.passages },
    tuning: HYBRID,
    rows: rows.map((r) => ({ mode: r.mode, ...r.metrics })),
    misses: rows[0].results.filter((r) => (r.unanswerable ? !r.abstained : !r.firstQuoteHit || !r.citationHit)),
  };
  fs.writeFileSync(path.join(opts.out, `eval-${name}.json`), JSON.stringify(report, null, 2));
  const md = markdown(name, rows.map((r) => ({ mode: r.mode, ...r.metrics })), input);
  fs.writeFileSync(path.join(opts.out, `eval-${name}.md`), md);
  process.stdout.write(md);
});

/** A `--tuning` file's object; bad JSON or anything but an object is the user's to fix (one line, no stack). */
function readTuningFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    throw new ConfigError(`--tuning: ${file} is not valid JSON (${e.message})`);
  }
  if (!isObject(parsed)) throw new ConfigError(`--tuning: ${file} must hold a JSON object such as { "fusion": { "lexical": 0.35 } }`);
  return parsed;
}

/** `base` with each key of `o` replaced, objects merged at every depth; an unknown key is an error. */
function withOverride(base: Tuning, o: Record<string, unknown>): Tuning {
  return merge(base as unknown as Record<string, unknown>, o, '') as unknown as Tuning;
}

/** Objects merge at every depth, so a tuning file written before a weight existed keeps that weight's default. */
function merge(base: Record<string, unknown>, o: Record<string, unknown>, at: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(o)) {
    if (!(k in base)) throw new ConfigError(`--tuning: unknown key "${at}${k}"`);
    const b = base[k];
    out[k] = isObject(b) && isObject(v) ? merge(b, v, `${at}${k}.`) : v;
  }
  return out;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return !!x && typeof x === 'object' && !Array.isArray(x);
}

/** A folder as the report shows it: relative to the working folder, so reports do not depend on the machine. */
function shown(dir: string): string {
  return path.relative(process.cwd(), dir).split(path.sep).join('/') || '.';
}

function markdown(name: string, rows: ({ mode: string } & Metrics)[], input: Record<string, unknown>): string {
  const f = (x: number | null) => (x === null ? '—' : x.toFixed(3));
  const n = rows[0] ? `${rows[0].answerable} answerable, ${rows[0].unanswerable} unanswerable questions` : '';
  const lines = [
    `## Eval: ${name}`,
    '',
    `${n}; input: \`${JSON.stringify(input)}\``,
    '',
    'Tentative: answered as "the closest passages", not as a sure answer (only with the reader). A confident non-answer is an unanswerable question answered as sure. False abstention, of which right answers: answerable questions silenced although the sentence ranked first holds the answer (the rest were silenced instead of a wrong first quote).',
    '',
    '| mode | questions | first-quote hit | citation hit | hit@3 | R@1 | R@5 | MRR | abstention (unanswerable) | false abstention | of which right answers | confident non-answer (unanswerable) | tentative (answerable) | first-quote hit when sure | p50 ms | p95 ms |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => {
      // Answerable-question columns mean nothing for a set of unanswerable questions only.
      const a = (x: number) => (r.answerable ? f(x) : '—');
      return `| ${r.mode} | ${r.questions} | ${a(r.firstQuoteHit)} | ${a(r.citationHit)} | ${a(r.hitAt3)} | ${a(r.recallAt1)} | ${a(r.recallAt5)} | ${a(r.mrr)} | ${f(r.abstentionRate)} | ${a(r.falseAbstentionRate)} | ${a(r.rightAnswerLostRate)} | ${f(r.confidentNonAnswerRate)} | ${a(r.tentativeRate)} | ${a(r.sureFirstQuoteHit)} | ${r.p50Ms.toFixed(1)} | ${r.p95Ms.toFixed(1)} |`;
    }),
    '',
    'Silent only because the question names what no article mentions (included above; without that rule these would be answered):',
    ...rows.map((r) => `- ${r.mode}: ${f(r.nameAbstentionRate)} of the unanswerable questions, ${r.answerable ? f(r.nameFalseAbstentionRate) : '—'} of the answerable ones`),
    '',
  ];
  return lines.join('\n');
}
