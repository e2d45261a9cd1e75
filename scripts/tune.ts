/**
 * `npm run tune [-- --limit <n> --dense-scale <list> --passage <list> … --best <file>]`: grid-searches the fusion and
 * sentence-picking weights on half of the SQuAD questions of the `train` and `tune` splits
 * (training/splits.json) and reports the best settings on the other half (held out) and on the seed
 * questions, so the weights in src/answer/tuning.ts come from data, not guesses. The index holds every
 * SQuAD paragraph (the same cached index as `npm run eval -- --squad`), but no question of a `test`
 * article is ever asked here. Prints a table; changes nothing by itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../src/config.js';
import { Embedder } from '../src/embed/embedder.js';
import { DEFAULT_TUNING, type Tuning } from '../src/answer/tuning.js';
import { readQuestions, readSquadDocs } from '../src/eval/datasets.js';
import { evaluate } from '../src/eval/metrics.js';
import { corpusIndexKey, indexKey } from '../src/eval/selection.js';
import { readSplit, splitQuestions, SPLIT_NAMES, type SplitName } from '../src/eval/squad-split.js';
import { runMain } from '../src/cli/run.js';
import { evenSample, openCachedEngine } from '../src/eval/workspace.js';

const list = (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean);
const numbers = (v: string) => list(v).map(Number);

const opts = new Command()
  .option('--squad <file>', 'SQuAD v1.1 JSON', '../shared/datasets/squad-dev-v1.1-public.json')
  .option('--splits <list>', 'splits whose questions are sampled (never test)', list, ['train', 'tune'])
  .option('--questions <file>', 'seed questions, checked for every reported candidate', '../shared/eval/seed-questions.jsonl')
  .option('--limit <n>', 'questions per half', (v) => Number(v), 600)
  .option(
    '--dense-scale <list>',
    'factors on the dense weights (fusion passage and sentence, pick dense): more than 1 for a model whose cosines sit in a narrow band (e5)',
    numbers,
    [1],
  )
  .option('--passage <list>', 'fusion passage weights tried (before --dense-scale)', numbers, [0.3, 0.5])
  .option('--lexical <list>', 'fusion lexical (BM25) weights tried', numbers, [0.2, 0.35])
  .option('--sentence-lexical <list>', 'fusion sentenceLexical weights tried', numbers, [0, 0.15, 0.3])
  .option('--local <list>', 'fusion local weights tried', numbers, [DEFAULT_TUNING.fusion.local])
  .option('--pick-lexical <list>', 'pick lexical weights tried', numbers, [0.6, 1])
  .option('--answer-type <list>', 'pick answerType weights tried', numbers, [0.05, 0.15, 0.25])
  .option('--best <file>', 'write the best weights here as JSON ({ fusion, pick }, for `npm run eval -- --tuning <file>`)')
  .parse()
  .opts<{
    squad: string;
    splits: string[];
    questions: string;
    limit: number;
    denseScale: number[];
    passage: number[];
    lexical: number[];
    sentenceLexical: number[];
    local: number[];
    pickLexical: number[];
    answerType: number[];
    best?: string;
  }>();

await runMain(async () => {
  const splits = opts.splits as SplitName[];
  for (const s of splits) {
    if (!SPLIT_NAMES.includes(s)) throw new Error(`unknown split "${s}"; use train and/or tune`);
    if (s === 'test') throw new Error('the test split is for reporting only: tune on train and/or tune');
  }
  const config = loadConfig();
  const embedder = await Embedder.forConfig(config);
  embedder.cacheSize = 100_000;
  const docs = readSquadDocs(opts.squad);
  const articles = docs.flatMap((d) => d.paragraphs.map((p) => p.article));
  const questions = splitQuestions(docs, splits.flatMap((s) => readSplit(s)));
  // The same cached indexes as `npm run eval` (SQuAD, and the corpus the seed questions are about).
  const { engine: squad } = await openCachedEngine(config, embedder, indexKey(`squad-${path.basename(opts.squad)}`), articles);
  const { engine: seeds } = await openCachedEngine(config, embedder, corpusIndexKey(config.corpusDir));
  const seedQuestions = readQuestions(opts.questions);

  // Two interleaved samples: the held-out half starts half a step after the tuning half.
  const tune = evenSample(questions, opts.limit, 0);
  const held = evenSample(questions, opts.limit, Math.max(1, Math.floor(questions.length / opts.limit / 2)));
  process.stderr.write(`${embedder.info.model}: ${questions.length} questions of ${splits.join('+')}, ${tune.length} to tune, ${held.length} held out\n`);

  const candidates: Tuning[] = [];
  for (const scale of opts.denseScale)
    for (const sentenceLexical of opts.sentenceLexical)
      for (const passage of opts.passage)
        for (const lexical of opts.lexical)
          for (const local of opts.local)
            for (const pickLex of opts.pickLexical)
              for (const answerType of opts.answerType)
                candidates.push({
                  ...DEFAULT_TUNING,
                  fusion: { ...DEFAULT_TUNING.fusion, passage: r(passage * scale), sentence: r(0.4 * scale), lexical, sentenceLexical, local },
                  pick: { ...DEFAULT_TUNING.pick, dense: r(DEFAULT_TUNING.pick.dense * scale), lexical: pickLex, context: 0.6, answerType },
                });

  const started = Date.now();
  const scored = [];
  for (const [i, t] of candidates.entries()) {
    const { metrics } = await evaluate(squad, tune, t);
    scored.push({ t, metrics });
    const s = ((Date.now() - started) / 1000).toFixed(0);
    process.stderr.write(`${i + 1}/${candidates.length} ${s}s ${JSON.stringify(t.fusion)} ${JSON.stringify(t.pick)} R@1 ${metrics.recallAt1} FQH ${metrics.firstQuoteHit}\n`);
  }
  scored.sort((a, b) => b.metrics.firstQuoteHit + b.metrics.recallAt1 - (a.metrics.firstQuoteHit + a.metrics.recallAt1));
  if (opts.best) fs.writeFileSync(opts.best, JSON.stringify({ fusion: scored[0].t.fusion, pick: scored[0].t.pick }, null, 2) + '\n');

  const f3 = (x: number | null) => (x === null ? '—' : x.toFixed(3));
  process.stdout.write(
    `${embedder.info.model}; SQuAD ${splits.join('+')} questions, ${tune.length} to tune, ${held.length} held out\n\n` +
      '| fusion (passage/sentence/lexical/sentenceLexical/local) | pick (dense/lexical/context/answerType) | tune R@1 | tune R@5 | tune FQH | held-out R@1 | held-out R@5 | held-out FQH | seeds FQH | seeds abstain |\n|---|---|---|---|---|---|---|---|---|---|\n',
  );
  for (const { t, metrics } of [...scored.slice(0, 8), { t: DEFAULT_TUNING, metrics: (await evaluate(squad, tune, DEFAULT_TUNING)).metrics }]) {
    const h = (await evaluate(squad, held, t)).metrics;
    const s = (await evaluate(seeds, seedQuestions, t)).metrics;
    const f = t.fusion;
    process.stdout.write(
      `| ${f.passage}/${f.sentence}/${f.lexical}/${f.sentenceLexical}/${f.local}${t === DEFAULT_TUNING ? ' (current)' : ''} | ${t.pick.dense}/${t.pick.lexical}/${t.pick.context}/${t.pick.answerType} | ${f3(metrics.recallAt1)} | ${f3(metrics.recallAt5)} | ${f3(metrics.firstQuoteHit)} | ${f3(h.recallAt1)} | ${f3(h.recallAt5)} | ${f3(h.firstQuoteHit)} | ${f3(s.firstQuoteHit)} | ${f3(s.abstentionRate)} |\n`,
    );
  }
});

function r(x: number): number {
  return Math.round(x * 1000) / 1000;
}
