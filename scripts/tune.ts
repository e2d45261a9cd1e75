/**
 * `npm run tune -- --squad <file>`: grid-searches the fusion and sentence-picking weights on half of
 * the SQuAD questions and reports the best settings on the other half (held out), so the weights in
 * src/answer/tuning.ts come from data, not guesses. Prints a table; changes nothing by itself.
 */
import path from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../src/config.js';
import { Embedder } from '../src/embed/embedder.js';
import { DEFAULT_TUNING, type Tuning } from '../src/answer/tuning.js';
import { readQuestions, readSquad } from '../src/eval/datasets.js';
import { evaluate } from '../src/eval/metrics.js';
import { runMain } from '../src/cli/run.js';
import { evenSample, openCachedEngine } from '../src/eval/workspace.js';

const opts = new Command()
  .option('--squad <file>', 'SQuAD v1.1 JSON', '../shared/datasets/squad-dev-v1.1-public.json')
  .option('--questions <file>', 'seed questions, checked for every candidate', '../shared/eval/seed-questions.jsonl')
  .option('--limit <n>', 'questions per half', (v) => Number(v), 600)
  .parse()
  .opts<{ squad: string; questions: string; limit: number }>();

await runMain(async () => {
  const config = loadConfig();
  const embedder = await Embedder.forConfig(config);
  embedder.cacheSize = 100_000;
  const { articles, questions } = readSquad(opts.squad);
  const { engine: squad } = await openCachedEngine(config, embedder, `squad-${path.basename(opts.squad)}`, articles);
  const { engine: seeds } = await openCachedEngine(config, embedder, 'tune-seeds');
  const seedQuestions = readQuestions(opts.questions);

  const tune = evenSample(questions, opts.limit, 0);
  const held = evenSample(questions, opts.limit, 1);

  const candidates: Tuning[] = [];
  for (const sentenceLexical of [0, 0.15, 0.3])
    for (const passage of [0.3, 0.5])
      for (const lexical of [0.2, 0.35])
        for (const pickLex of [0.6, 1.0])
          for (const answerType of [0.05, 0.15])
            candidates.push({
              ...DEFAULT_TUNING,
              fusion: { ...DEFAULT_TUNING.fusion, passage, sentence: 0.4, lexical, sentenceLexical },
              pick: { ...DEFAULT_TUNING.pick, lexical: pickLex, context: 0.6, answerType },
            });

  const scored = [];
  for (const [i, t] of candidates.entries()) {
    const { metrics } = await evaluate(squad, tune, t);
    scored.push({ t, metrics });
    process.stderr.write(`${i + 1}/${candidates.length} ${JSON.stringify(t.fusion)} ${JSON.stringify(t.pick)} R@1 ${metrics.recallAt1} FQH ${metrics.firstQuoteHit}\n`);
  }
  scored.sort((a, b) => b.metrics.firstQuoteHit + b.metrics.recallAt1 - (a.metrics.firstQuoteHit + a.metrics.recallAt1));
  process.stdout.write('| fusion (passage/sentence/lexical/sentenceLexical) | pick (lexical/context/answerType) | tune R@1 | tune FQH | held-out R@1 | held-out R@5 | held-out FQH | seeds FQH | seeds abstain |\n|---|---|---|---|---|---|---|---|---|\n');
  for (const { t, metrics } of [...scored.slice(0, 8), { t: DEFAULT_TUNING, metrics: (await evaluate(squad, tune, DEFAULT_TUNING)).metrics }]) {
    const h = (await evaluate(squad, held, t)).metrics;
    const s = (await evaluate(seeds, seedQuestions, t)).metrics;
    const f = t.fusion;
    process.stdout.write(
      `| ${f.passage}/${f.sentence}/${f.lexical}/${f.sentenceLexical}${t === DEFAULT_TUNING ? ' (current)' : ''} | ${t.pick.lexical}/${t.pick.context}/${t.pick.answerType} | ${metrics.recallAt1} | ${metrics.firstQuoteHit} | ${h.recallAt1} | ${h.recallAt5} | ${h.firstQuoteHit} | ${s.firstQuoteHit} | ${s.abstentionRate} |\n`,
    );
  }
});
