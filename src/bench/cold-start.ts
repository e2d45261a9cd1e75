/**
 * Cold start (process start → first answer) and RSS while serving, each measured in a fresh child
 * process so nothing the bench itself loaded is counted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { benchFile, runTsChild } from './child.js';
import type { NaiveLatency, StageLatency } from './query.js';
import { summarize, type Summary } from './stats.js';

const CHILD = benchFile('cold-start-child.ts');

export interface ChildReport {
  /** Wall time from spawn to the child's answer line. */
  wallToAnswerMs: number;
  /** Wall time from spawn to exit. */
  wallToExitMs: number;
  processToScriptMs: number;
  importMs: number;
  openEngineMs: number;
  firstAnswerMs: number;
  /** The first answer, in ms since the child process started (its own clock). */
  sinceProcessStartMs: number;
  rssAfterFirstMb: number;
  /** Median of the RSS samples taken every 25 questions while serving; the largest, and how many. */
  rssServingMb?: number;
  rssServingMaxMb?: number;
  rssSamples?: number;
  latency?: StageLatency;
  naive?: NaiveLatency;
  /** The stricter peer: candidates embedded in batches. */
  naiveBatched?: NaiveLatency;
  /** The same stages for questions the corpus does not hold (how fast silence comes). */
  unheld?: StageLatency;
  heapUsedMb?: number;
  externalMb?: number;
  served?: number;
}

/**
 * Spawns `node --import tsx cold-start-child.ts question` with INDEX_DIR / MODEL_DIR set and times it.
 *
 * @example
 * const r = await runChild({ indexDir: '.tmp/bench/seed-index', modelDir: '../shared/models' }, 'Who is the Pentagon spokesman?');
 * r.wallToAnswerMs; // 1400
 */
export async function runChild(
  env: { indexDir: string; modelDir?: string; serve?: { warmup: string[]; questions: string[]; naive: string[]; unheld?: string[] } },
  question: string,
): Promise<ChildReport> {
  let serveFile: string | undefined;
  if (env.serve) {
    serveFile = path.resolve(env.indexDir, '..', `serve-${process.pid}.json`);
    fs.writeFileSync(serveFile, JSON.stringify(env.serve));
  }
  const childEnv: NodeJS.ProcessEnv = { ...process.env, INDEX_DIR: env.indexDir, LOG_LEVEL: 'silent' };
  if (env.modelDir) childEnv.MODEL_DIR = env.modelDir;
  if (serveFile) childEnv.BENCH_SERVE_FILE = serveFile;
  else delete childEnv.BENCH_SERVE_FILE;
  try {
    const { report, wallToOutputMs, wallToExitMs } = await runTsChild<Omit<ChildReport, 'wallToAnswerMs' | 'wallToExitMs'>>(CHILD, [question], childEnv);
    return { wallToAnswerMs: wallToOutputMs, wallToExitMs, ...report };
  } finally {
    if (serveFile) fs.rmSync(serveFile, { force: true });
  }
}

/**
 * Cold start, `runs` times (the OS file cache is warm after the first: both are reported).
 * Wall time to the answer line is the figure: it includes Node, tsx, imports, model and index load.
 *
 * @example
 * const cold = await measureColdStart({ indexDir, modelDir }, 'Who is the Pentagon spokesman?', 3);
 * cold.wallToAnswer.p50;
 */
export async function measureColdStart(
  env: { indexDir: string; modelDir?: string },
  question: string,
  runs = 3,
): Promise<{ runs: ChildReport[]; wallToAnswer: Summary }> {
  const reports: ChildReport[] = [];
  for (let i = 0; i < runs; i++) reports.push(await runChild(env, question));
  return { runs: reports, wallToAnswer: summarize(reports.map((r) => r.wallToAnswerMs)) };
}
