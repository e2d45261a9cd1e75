/**
 * The reliability suite's figures: every test file records its section (inputs tried, faults
 * survived, load held, event-loop lag, soak memory…) and this module merges them into
 * `reports/reliability.json` and re-renders `reports/reliability.md`. Test files run in parallel
 * forks, so each update is a read-merge-write under a small lock folder, written atomically.
 *
 * @example
 * recordReliability('load', { questions: 200, answered: 160, rateLimited: 40, lagP99Ms: 42 });
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const REPORT_DIR = path.resolve(import.meta.dirname, '../../reports');
const JSON_FILE = path.join(REPORT_DIR, 'reliability.json');
const MD_FILE = path.join(REPORT_DIR, 'reliability.md');
const LOCK = path.join(REPORT_DIR, '.reliability.lock');

type Figures = Record<string, unknown>;

export interface ReliabilityReport {
  updatedAt: string;
  machine: { node: string; platform: string; cpus: number };
  sections: Record<string, Figures & { recordedAt: string }>;
}

/** What each section proves, for the Markdown report (sections without a title are listed by name). */
const TITLES: Record<string, string> = {
  badInput: 'Bad input (fake Discord and CLI)',
  badIndex: 'Bad corpus and index',
  discordFaults: 'Discord faults',
  load: 'Load: 200 questions in one second, 20 users',
  liveReindex: 'Live reindex while questions keep coming (up to 50 per second, 4 in flight)',
  soak: 'Soak: 10,000 questions through the engine',
  secrets: 'Secrets never logged',
};

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function withLock<T>(fn: () => T): T {
  fs.mkdirSync(REPORT_DIR, { recursive: true });
  // Bounded: 200 tries × 25 ms; a lock older than 10 s is left over from a killed worker.
  for (let i = 0; i < 200; i++) {
    try {
      fs.mkdirSync(LOCK);
      try {
        return fn();
      } finally {
        fs.rmSync(LOCK, { recursive: true, force: true });
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        if (Date.now() - fs.statSync(LOCK).mtimeMs > 10_000) fs.rmSync(LOCK, { recursive: true, force: true });
      } catch {
        /* released meanwhile */
      }
      sleepSync(25);
    }
  }
  throw new Error(`could not lock ${LOCK}`);
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** Reads the current report (empty when there is none or it is unreadable). */
export function readReliability(): ReliabilityReport {
  try {
    return JSON.parse(fs.readFileSync(JSON_FILE, 'utf8')) as ReliabilityReport;
  } catch {
    return { updatedAt: '', machine: machine(), sections: {} };
  }
}

function machine(): ReliabilityReport['machine'] {
  return { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: os.cpus().length };
}

/**
 * Merges one section's figures into the report files and prints them (so a test run shows them).
 *
 * @example
 * recordReliability('soak', { questions: 10_000, heapGrowthMB: 3.1, boundMB: 50 });
 */
export function recordReliability(section: string, figures: Figures): void {
  process.stdout.write(`[reliability] ${section}: ${JSON.stringify(figures)}\n`);
  withLock(() => {
    const report = readReliability();
    report.updatedAt = new Date().toISOString();
    report.machine = machine();
    report.sections[section] = { ...figures, recordedAt: report.updatedAt };
    writeAtomic(JSON_FILE, JSON.stringify(report, null, 2) + '\n');
    writeAtomic(MD_FILE, renderMarkdown(report));
  });
}

function formatValue(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(2);
  if (Array.isArray(v)) return v.length <= 30 ? v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join('; ') : `${v.length} items`;
  if (v && typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** The Markdown view of the report: one table per section. */
export function renderMarkdown(report: ReliabilityReport): string {
  const lines = [
    '# Reliability',
    '',
    'Written by the reliability tests (`npx vitest run test/reliability`); every figure below was measured in that run.',
    `Last update ${report.updatedAt} · Node ${report.machine.node} · ${report.machine.platform} · ${report.machine.cpus} CPUs (shared with other work: timings are indicative).`,
    '',
  ];
  const order = [...Object.keys(TITLES), ...Object.keys(report.sections).filter((s) => !(s in TITLES)).sort()];
  for (const name of order) {
    const s = report.sections[name];
    if (!s) continue;
    lines.push(`## ${TITLES[name] ?? name}`, '', '| Figure | Value |', '| --- | --- |');
    for (const [k, v] of Object.entries(s)) {
      if (k === 'recordedAt') continue;
      lines.push(`| ${k} | ${formatValue(v).replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
    }
    lines.push('', `_recorded ${s.recordedAt}_`, '');
  }
  return lines.join('\n');
}
