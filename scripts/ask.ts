/**
 * `npm run ask -- "question"`: answers from the terminal. Interactive without a question;
 * `--json` for one machine-readable answer; `--batch in.jsonl --out out.jsonl` for many.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../src/config.js';
import { openEngine } from '../src/answer/engine.js';
import type { AnswerEngine } from '../src/answer/api.js';
import { ensureIndex } from '../src/cli/ensure-index.js';
import { renderAnswer } from '../src/cli/render.js';
import { runMain } from '../src/cli/run.js';

const program = new Command()
  .name('ask')
  .description('Answer a question about the news articles with verbatim, cited quotes.')
  .argument('[question...]', 'the question (omit it for interactive mode)')
  .option('-k, --k <n>', 'number of quotes', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 10) throw new InvalidArgumentError('--k takes a whole number from 1 to 10.');
    return n;
  }, 3)
  .option('--json', 'print the answer as JSON')
  .option('--batch <file>', 'answer every {"question": …} line of a JSONL file')
  .option('--out <file>', 'with --batch: where to write the answers (JSONL); default stdout')
  .option('--corpus <dir>', 'corpus folder (overrides CORPUS_DIR)')
  .option('--index <dir>', 'index folder (overrides INDEX_DIR)')
  .parse();

const opts = program.opts<{ k: number; json?: boolean; batch?: string; out?: string; corpus?: string; index?: string }>();

await runMain(async () => {
  const config = loadConfig();
  if (opts.corpus) config.corpusDir = opts.corpus;
  if (opts.index) config.indexDir = opts.index;
  // With Elasticsearch the index is in the cluster (npm run build-index writes it there).
  if (config.vectorStore === 'local') await ensureIndex(config);
  const engine = await openEngine(config);
  const question = program.args.join(' ');

  if (opts.batch) return batch(engine, opts.batch, opts.out, opts.k);
  // A question given on the command line, even an empty one ("$Q" unset in a script), is answered
  // (the engine explains what to ask); interactive mode is only for no question at all.
  if (program.args.length > 0) {
    const answer = await engine.answer(question, { k: opts.k });
    process.stdout.write(opts.json ? JSON.stringify(answer) + '\n' : renderAnswer(answer, { color: process.stdout.isTTY }) + '\n');
    return;
  }
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  process.stdout.write('Ask about the news articles (empty line or Ctrl-D to quit).\n> ');
  // The async iterator buffers lines, so questions piped in while one is being answered are not lost.
  for await (const line of rl) {
    if (!line.trim()) break;
    const answer = await engine.answer(line, { k: opts.k });
    process.stdout.write((opts.json ? JSON.stringify(answer) : renderAnswer(answer, { color: process.stdout.isTTY })) + '\n\n> ');
  }
  rl.close();
});

async function batch(engine: AnswerEngine, input: string, output: string | undefined, k: number): Promise<void> {
  let text: string;
  try {
    text = fs.readFileSync(input, 'utf8');
  } catch (e) {
    return program.error(`Cannot read the --batch file ${input} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
  const lines = text.split('\n').filter((l) => l.trim());
  const out = output ? fs.createWriteStream(output) : process.stdout;
  for (const [i, line] of lines.entries()) {
    let question: unknown;
    try {
      question = (JSON.parse(line) as { question?: unknown }).question;
    } catch {
      question = undefined;
    }
    if (typeof question !== 'string') {
      out.write(JSON.stringify({ question: null, abstained: true, quotes: [], error: `line ${i + 1}: expected {"question": "…"}`, ms: 0 }) + '\n');
      continue;
    }
    out.write(JSON.stringify(await engine.answer(question, { k })) + '\n');
  }
  if (output) await new Promise((resolve) => (out as fs.WriteStream).end(resolve));
}
