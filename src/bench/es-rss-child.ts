/**
 * One answering process for the Elasticsearch bench: opens the engine (local or elasticsearch, from
 * the environment), answers the questions given as JSON in argv[2], and prints its RSS and heap as
 * JSON: what a bot shard or `ask` process costs with each store.
 */
import { loadConfig } from '../config.js';
import { openEngine } from '../answer/engine.js';

const questions = JSON.parse(process.argv[2] ?? '[]') as string[];
const config = loadConfig(process.env, { dotenv: false });
const engine = await openEngine(config);
const samples: number[] = [];
for (const [i, q] of questions.entries()) {
  await engine.answer(q);
  if (i % 5 === 4) samples.push(process.memoryUsage().rss);
}
samples.sort((a, b) => a - b);
// What the process keeps between questions, without the garbage of the last ones (run with --expose-gc).
(globalThis as { gc?: () => void }).gc?.();
const mem = process.memoryUsage();
process.stdout.write(
  JSON.stringify({
    store: config.vectorStore,
    answered: questions.length,
    rssMb: (samples[Math.floor(samples.length / 2)] ?? mem.rss) / 2 ** 20,
    rssAfterGcMb: mem.rss / 2 ** 20,
    heapUsedMb: mem.heapUsed / 2 ** 20,
    externalMb: (mem.external + mem.arrayBuffers) / 2 ** 20,
  }) + '\n',
);
process.exit(0);
