/**
 * Runs a TypeScript file of this folder in a fresh Node process (`node --import tsx`) and reads the
 * JSON line it prints last: memory and start-up are measured without the bench's own baggage.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of a file next to this module. */
export function benchFile(name: string): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), name);
}

/**
 * Spawns the child, times it from spawn to its first stdout byte and to its exit, and parses its
 * last stdout line as JSON.
 *
 * @example
 * const { report, wallToOutputMs } = await runTsChild(benchFile('scale-child.ts'), ['10000'], process.env);
 */
export function runTsChild<T>(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ report: T; wallToOutputMs: number; wallToExitMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let wallToOutputMs = NaN;
    let out = '';
    let err = '';
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => {
      if (Number.isNaN(wallToOutputMs)) wallToOutputMs = performance.now() - t0;
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallToExitMs = performance.now() - t0;
      if (code !== 0) return reject(new Error(`${path.basename(file)} exited with ${code}: ${err.trim().slice(-800)}`));
      try {
        resolve({ report: JSON.parse(out.trim().split('\n').pop() ?? '') as T, wallToOutputMs, wallToExitMs });
      } catch {
        reject(new Error(`${path.basename(file)} printed no JSON report: ${out.slice(0, 200)} ${err.slice(-300)}`));
      }
    });
  });
}
