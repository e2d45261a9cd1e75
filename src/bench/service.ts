/**
 * The answer service's cost, measured from outside: `npm run serve` started as its own process over
 * an index, questions asked one at a time over HTTP (the time the service adds = the client's wall
 * time − the engine's own `ms` in the same answer), a burst of concurrent requests (counts only), and
 * the resident memory of one bot shard process, thin (asking the service) vs full (model + index).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchFile, runTsChild } from './child.js';
import { summarize, type Summary } from './stats.js';
import type { AnswerEngine } from '../answer/api.js';
import type { Answer } from '../types.js';

const SERVE_SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/serve.ts');

export interface ServiceBench {
  indexDir: string;
  questions: number;
  abstained: number;
  /** The engine's own time per answer, inside the service (`answer.ms`). */
  engineMs: Summary;
  /** The client's wall time per question: request, queueing, engine, serialization, response. */
  httpMs: Summary;
  /** What HTTP adds per question: wall − engine, question by question. */
  addedMs: Summary;
  /** A bare round trip on the same connection path (GET /healthz): the floor of `addedMs`. */
  pingMs: Summary;
  /**
   * What the service path adds with no model in its process: the same route and client, an engine that
   * returns a recorded answer at once (a server in the bench process). The gap to `addedMs` is what
   * running the model in the serving process costs the requests around it.
   */
  cannedAddedMs: Summary;
  burst: { requests: number; answered: number; refused: number; failed: number; seconds: number };
  /** The service process's RSS after the questions (from its /metrics). */
  serviceRssMb: number;
  shard: { thinRssMb: number; fullRssMb: number; questions: number };
}

/** Starts `scripts/serve.ts` on a free port and resolves with its URL once /readyz says ready. */
async function startServiceProcess(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVE_SCRIPT, '--port', '0', '--host', '127.0.0.1'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /answer service on (http:\/\/\S+?)\/ /.exec(err);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`npm run serve exited with ${code}: ${err.slice(-600)}`)));
  });
  for (let i = 0; i < 600; i++) {
    const ready = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
    if (ready) return { child, url };
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error(`the service did not become ready: ${err.slice(-600)}`);
}

/** The service path alone: `buildServer` in this process with an engine that returns `recorded` at once. */
async function measureCanned(recorded: Answer, questions: string[]): Promise<Summary> {
  const { buildServer, ServiceState } = await import('../serve/server.js');
  const { EngineSlot } = await import('../answer/engine-slot.js');
  const { loadConfig } = await import('../config.js');
  const { createLogger } = await import('../log.js');
  const logger = createLogger('silent');
  const canned: AnswerEngine = {
    buildId: 'canned',
    answer: async () => ({ ...recorded, ms: 0 }),
    sources: async () => [],
    source: async () => undefined,
    context: async () => undefined,
  };
  const state = new ServiceState();
  state.slot = new EngineSlot(canned, undefined, logger);
  const app = await buildServer({ config: loadConfig({ HTTP_RATE_LIMIT_MAX: '0', LOG_LEVEL: 'silent' }, { dotenv: false }), state, logger });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  try {
    const added: number[] = [];
    for (const [i, q] of [...questions.slice(0, 20), ...questions].entries()) {
      const t0 = performance.now();
      await (await post(url, q)).json();
      if (i >= 20) added.push(performance.now() - t0); // the first 20 warm the path up
    }
    return summarize(added);
  } finally {
    await app.close();
  }
}

const post = (url: string, question: string) =>
  fetch(`${url}/v1/answers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question }) });

/**
 * Measures the service over `indexDir` with `questions` (after `warmup`), then the shard processes.
 *
 * @example
 * const s = await measureService({ indexDir: '.tmp/bench/index-seed', modelDir: '../shared/models', questions, warmup, log: console.error });
 * s.addedMs.p50; // ≈ 1 ms
 */
export async function measureService(options: {
  indexDir: string;
  modelDir: string;
  questions: string[];
  warmup: string[];
  /** Concurrent requests in the burst (default 200). */
  burst?: number;
  /** Questions each shard process answers before its memory is read (default 20). */
  shardQuestions?: number;
  log: (line: string) => void;
}): Promise<ServiceBench> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    INDEX_DIR: options.indexDir,
    MODEL_DIR: options.modelDir,
    LOG_LEVEL: 'warn',
    INDEX_WATCH_SECONDS: '0',
    HTTP_RATE_LIMIT_MAX: '0', // no limit: the burst measures the service, not the limiter
    HTTP_API_KEYS: '',
  };
  const { child, url } = await startServiceProcess(env);
  try {
    for (const q of options.warmup) await (await post(url, q)).json();
    const engine: number[] = [];
    const wall: number[] = [];
    const added: number[] = [];
    let abstained = 0;
    options.log(`  service: ${options.questions.length} questions over HTTP, one at a time…`);
    for (const q of options.questions) {
      const t0 = performance.now();
      const answer = (await (await post(url, q)).json()) as { ms: number; abstained: boolean };
      const ms = performance.now() - t0;
      wall.push(ms);
      engine.push(answer.ms);
      added.push(ms - answer.ms);
      if (answer.abstained) abstained++;
    }
    const ping: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t = performance.now();
      await (await fetch(`${url}/healthz`)).json();
      ping.push(performance.now() - t);
    }
    const n = options.burst ?? 200;
    options.log(`  service: ${n} concurrent requests…`);
    const t0 = performance.now();
    const statuses = await Promise.all(
      Array.from({ length: n }, (_, i) => post(url, options.questions[i % options.questions.length]).then(async (r) => (await r.arrayBuffer(), r.status), () => 0)),
    );
    const seconds = (performance.now() - t0) / 1000;
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const serviceRssMb = Number(/^verbatim_process_resident_memory_bytes (\S+)$/m.exec(metrics)?.[1]) / 2 ** 20;

    const recorded = (await (await post(url, options.questions[0])).json()) as Answer;
    const cannedAddedMs = await measureCanned(recorded, options.questions);

    const shardQuestions = options.questions.slice(0, options.shardQuestions ?? 20);
    options.log(`  shard processes: thin (through the service) and full (model + index), ${shardQuestions.length} questions each…`);
    const shardEnv = { ...env, BENCH_SHARD_QUESTIONS: JSON.stringify(shardQuestions), DISCORD_TOKEN: '' };
    const thin = await runTsChild<{ rssMb: number }>(benchFile('shard-child.ts'), [], { ...shardEnv, BENCH_SHARD_MODE: 'thin', ANSWER_SERVICE_URL: url });
    const full = await runTsChild<{ rssMb: number }>(benchFile('shard-child.ts'), [], { ...shardEnv, BENCH_SHARD_MODE: 'full', ANSWER_SERVICE_URL: '' });
    return {
      indexDir: options.indexDir,
      questions: options.questions.length,
      abstained,
      engineMs: summarize(engine),
      httpMs: summarize(wall),
      addedMs: summarize(added),
      pingMs: summarize(ping),
      cannedAddedMs,
      burst: {
        requests: n,
        answered: statuses.filter((s) => s === 200).length,
        refused: statuses.filter((s) => s === 429).length,
        failed: statuses.filter((s) => s !== 200 && s !== 429).length,
        seconds,
      },
      serviceRssMb,
      shard: { thinRssMb: thin.report.rssMb, fullRssMb: full.report.rssMb, questions: shardQuestions.length },
    };
  } finally {
    child.kill('SIGTERM');
  }
}

const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');

/**
 * The report's section (Markdown lines).
 *
 * @example
 * lines.push(...serviceMarkdown(report.service));
 */
export function serviceMarkdown(s: ServiceBench): string[] {
  const row = (name: string, x: Summary) => `| ${name} | ${f(x.p50, 2)} | ${f(x.p95, 2)} | ${f(x.p99, 2)} | ${f(x.mean, 2)} |`;
  return [
    '## Answer service (HTTP) and thin shards',
    '',
    `\`npm run serve\` as its own process over \`${s.indexDir}\`; ${s.questions} questions asked one at a time over HTTP on loopback (${s.abstained} abstained), after a warm-up. "Added" is the client's wall time minus the engine's own time reported in the same answer.`,
    '',
    '| per question (ms) | p50 | p95 | p99 | mean |',
    '|---|---|---|---|---|',
    row('engine, inside the service (in process)', s.engineMs),
    row('whole request over HTTP', s.httpMs),
    row('**added by the service**', s.addedMs),
    row('bare round trip (GET /healthz, 100 times)', s.pingMs),
    ...(s.cannedAddedMs ? [row('added, with a recorded answer instead of the model (same route and client)', s.cannedAddedMs)] : []),
    '',
    `Burst: ${s.burst.requests} concurrent requests (no rate limit) → ${s.burst.answered} answered, ${s.burst.refused} refused (429), ${s.burst.failed} failed, in ${f(s.burst.seconds, 2)} s. Service RSS afterwards: ${f(s.serviceRssMb, 0)} MB.`,
    '',
    `One bot shard process (discord.js, the bot's modules and its gateway client built, ${s.shard.questions} questions answered): **thin ${f(s.shard.thinRssMb, 0)} MB** vs full ${f(s.shard.fullRssMb, 0)} MB RSS — N shards cost N × ${f(s.shard.thinRssMb, 0)} MB plus one service, instead of N × ${f(s.shard.fullRssMb, 0)} MB.`,
    '',
  ];
}

/**
 * `npm run bench -- --service-only`: this section alone, over the query index an earlier full bench
 * left in `.tmp/bench` (BBC + SQuAD, its SQuAD questions), else over the seed corpus. Writes
 * `<out>/bench-service.{json,md}`.
 *
 * @example
 * const md = await benchServiceOnly(loadConfig(), { out: 'reports', quick: false, log: (l) => process.stderr.write(l + '\n') });
 */
export async function benchServiceOnly(
  config: import('../config.js').Config,
  options: { out: string; quick: boolean; log: (line: string) => void; workDir?: string; squadFile?: string },
): Promise<string> {
  const fs = await import('node:fs');
  const { evenSample } = await import('./corpus.js');
  const { machineInfo } = await import('./machine.js');
  const work = path.resolve(options.workDir ?? '.tmp/bench');
  const modelDir = config.modelDir ?? '../shared/models';
  const queryIndex = path.join(work, 'index-bbc250-squad48');
  const squadFile = options.squadFile ?? '../shared/datasets/squad-dev-v1.1-public.json';
  let indexDir: string;
  let pool: string[];
  if (fs.existsSync(path.join(queryIndex, 'current')) && fs.existsSync(squadFile)) {
    const { readSquad } = await import('../eval/datasets.js');
    indexDir = queryIndex;
    pool = [...new Set(readSquad(squadFile).questions.map((q) => q.question))];
  } else {
    indexDir = path.join(work, 'index-seed');
    const { buildIndex } = await import('../index/build.js');
    await buildIndex({ ...config, indexDir });
    pool = ['How many air missions has the coalition flown?', 'Who is the Pentagon spokesman?', 'When did the conflict in Syria begin?', 'What did Kerry say about Iran?', 'What is the best recipe for pizza dough?'];
  }
  const picked = evenSample(pool, (options.quick ? 50 : 200) + 20);
  const service = await measureService({ indexDir, modelDir, warmup: picked.slice(0, 20), questions: picked.length > 20 ? picked.slice(20) : picked, log: options.log });
  const machine = machineInfo();
  const md = [`# Answer service benchmark`, '', `${machine.date.slice(0, 19).replace('T', ' ')} UTC · ${machine.cpu} · ${machine.cores} cores · Node ${machine.node} · load average at start ${machine.loadAverage.toFixed(2)}. The machine is shared: timings are upper bounds.`, '', ...serviceMarkdown(service)].join('\n');
  fs.mkdirSync(options.out, { recursive: true });
  fs.writeFileSync(path.join(options.out, 'bench-service.json'), JSON.stringify({ machine, service }, null, 2) + '\n');
  fs.writeFileSync(path.join(options.out, 'bench-service.md'), md + '\n');
  return md + '\n';
}
