/**
 * Runs a TypeScript entry point of the project in a fresh Node process (`node --import tsx`), bounded
 * in time, and collects what it printed: the reliability tests drive the real CLI and start-up this way.
 *
 * @example
 * const r = await runTsx(['scripts/ask.ts', '--json', ''], { INDEX_DIR: dir });
 * r.code; // 1
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface ChildRun {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they arrived. */
  out: string;
  ms: number;
}

export function runTsx(args: string[], env: Record<string, string | undefined>, timeoutMs = 60_000): Promise<ChildRun> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let out = '';
    child.stdout.on('data', (d) => ((stdout += d), (out += d)));
    child.stderr.on('data', (d) => ((stderr += d), (out += d)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, out, ms: Date.now() - t0 });
    });
  });
}
