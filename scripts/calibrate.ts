/**
 * `npm run calibrate`: chooses the abstention threshold from data. It scores questions the corpus
 * answers and questions it does not, and prints, for each candidate threshold, the share of
 * unanswerable questions declined and of answerable ones wrongly declined, per set:
 *  - seeds / seed-dev (bundled corpus): answerable and off-corpus questions, written by people;
 *  - SQuAD, answerable: questions against the paragraphs that answer them;
 *  - SQuAD, held out: the same questions against an index of the *other* SQuAD articles only
 *    (same register and many shared words, but not the answer): hard negatives;
 *  - SQuAD → seeds: SQuAD questions against the news corpus (plainly off-topic).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../src/config.js';
import { Embedder } from '../src/embed/embedder.js';
import type { Engine } from '../src/answer/engine.js';
import { readQuestions, readSquad, type EvalQuestion } from '../src/eval/datasets.js';
import { runMain } from '../src/cli/run.js';
import { evenSample, openCachedEngine } from '../src/eval/workspace.js';
import type { Article } from '../src/types.js';

const opts = new Command()
  .option('--squad <file>', 'SQuAD v1.1 JSON', '../shared/datasets/squad-dev-v1.1-public.json')
  .option('--questions <files>', 'comma-separated question files about the bundled corpus', '../shared/eval/seed-questions.jsonl,test/fixtures/eval/seed-dev.jsonl')
  .option('--limit <n>', 'SQuAD questions per set', (v) => Number(v), 400)
  .parse()
  .opts<{ squad: string; questions: string; limit: number }>();

await runMain(async () => {
  const config = loadConfig();
  const embedder = await Embedder.forConfig(config);
  const open = async (name: string, articles?: Article[]) => (await openCachedEngine(config, embedder, name, articles)).engine;
  const { articles, questions } = readSquad(opts.squad);
  const sample = evenSample(questions, opts.limit);
  const askedArticles = new Set(sample.map((q) => q.sources[0].split('/')[0]));
  const seeds = await open('tune-seeds');
  const squad = await open(`squad-${path.basename(opts.squad)}`, articles);
  const heldOut = await open('squad-held-out', articles.filter((a) => !askedArticles.has(a.id.split('/')[0])));
  const seedQuestions = opts.questions.split(',').flatMap((f) => readQuestions(f));

  const features = async (engine: Engine, qs: EvalQuestion[]) => {
    const out: { cos: number; coverage: number }[] = [];
    for (const q of qs) {
      const t = await engine.trace(q.question);
      out.push({ cos: t.sentences[0]?.cos ?? 0, coverage: t.coverage });
    }
    return out;
  };
  const sets = {
    'seeds answerable': { pos: true, f: await features(seeds, seedQuestions.filter((q) => !q.unanswerable)) },
    'seeds off-corpus': { pos: false, f: await features(seeds, seedQuestions.filter((q) => q.unanswerable)) },
    'SQuAD answerable': { pos: true, f: await features(squad, sample) },
    'SQuAD held out': { pos: false, f: await features(heldOut, sample) },
    'SQuAD → news': { pos: false, f: await features(seeds, sample.slice(0, 200)) },
  };
  const names = Object.keys(sets) as (keyof typeof sets)[];
  const { floor } = seeds.tuning.abstain;
  const declined = (n: keyof typeof sets, w: number, th: number) =>
    sets[n].f.filter((x) => x.cos < floor || x.cos + w * x.coverage < th).length / sets[n].f.length;
  const header = [
    `| coverage weight | threshold | ${names.map((n) => `${n} (${sets[n].pos ? 'false abstention' : 'abstention'})`).join(' | ')} |`,
    `|---|---|${names.map(() => '---').join('|')}|`,
  ];
  // For each weight: the highest threshold that keeps false abstention within 1% on SQuAD and 2.5% on the seeds.
  const lines: string[] = [];
  for (const w of [0, 0.25, 0.5, 0.75, 1, 1.5]) {
    let best = 0;
    for (let th = 0.3; th <= 2.0001; th += 0.01) {
      if (declined('SQuAD answerable', w, th) <= 0.01 && declined('seeds answerable', w, th) <= 0.025) best = th;
    }
    for (const th of [best - 0.05, best]) {
      lines.push(`| ${w} | ${th.toFixed(2)} | ${names.map((n) => declined(n, w, th).toFixed(3)).join(' | ')} |`);
    }
  }
  const md =
    `## Abstention calibration\n\nAbstain when the best sentence's cosine < ${floor} or cosine + weight × soft word coverage < threshold. ` +
    `For each weight, the highest threshold keeping false abstention ≤ 1% on SQuAD and ≤ 2.5% on the seed questions, and 0.05 below it.\n\n` +
    `${[...header, ...lines].join('\n')}\n`;
  fs.mkdirSync('reports', { recursive: true });
  fs.writeFileSync('reports/calibration.md', md);
  process.stdout.write(md);
});
