/**
 * One index of the bundled corpus for the whole reliability run: the first test file to ask builds
 * it (under a lock folder), the others wait for it, so the two CPUs are not spent building the same
 * index five times. It lives in a temp folder named after the vitest process (every fork's parent);
 * folders of earlier runs whose process is gone are removed. Tests that change an index copy it first.
 *
 * @example
 * const { config } = await sharedIndex();
 * const engine = await openEngine(config);
 * const mine = copyIndex(config.indexDir); // a private, writable copy
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { buildIndex, isAlive } from '../../src/index/build.js';

export const MODEL_DIR = process.env.MODEL_DIR ?? '../shared/models';
export const CORPUS_DIR = path.resolve(import.meta.dirname, '../../corpus');
const PREFIX = 'verbatim-reliability-';

/** A config for an index folder, over the bundled corpus and the real model. */
export function indexConfig(indexDir: string, env: Record<string, string> = {}): Config {
  return loadConfig({ INDEX_DIR: indexDir, CORPUS_DIR, MODEL_DIR, LOG_LEVEL: 'silent', ...env }, { dotenv: false });
}

let shared: Promise<{ config: Config }> | undefined;

/** The shared, read-only index of the bundled corpus (built once per vitest run). */
export function sharedIndex(): Promise<{ config: Config }> {
  shared ??= (async () => {
    const tmp = os.tmpdir();
    for (const name of fs.readdirSync(tmp)) {
      const m = new RegExp(`^${PREFIX}(\\d+)(\\.lock)?$`).exec(name);
      if (m && Number(m[1]) !== process.ppid && !isAlive(Number(m[1]))) fs.rmSync(path.join(tmp, name), { recursive: true, force: true });
    }
    const root = path.join(tmp, `${PREFIX}${process.ppid}`);
    const ready = path.join(root, 'ready');
    const config = indexConfig(path.join(root, 'index'));
    if (fs.existsSync(ready)) return { config };
    let mine = false;
    try {
      fs.mkdirSync(`${root}.lock`);
      mine = true;
    } catch {
      /* another fork builds it */
    }
    if (mine) {
      try {
        fs.rmSync(root, { recursive: true, force: true });
        await buildIndex(config);
        fs.writeFileSync(ready, new Date().toISOString());
      } finally {
        fs.rmSync(`${root}.lock`, { recursive: true, force: true });
      }
      return { config };
    }
    // Bounded wait: 240 × 500 ms.
    for (let i = 0; i < 240 && !fs.existsSync(ready); i++) {
      if (!fs.existsSync(`${root}.lock`) && !fs.existsSync(ready)) throw new Error('the fork building the shared index failed');
      await new Promise((r) => setTimeout(r, 500));
    }
    if (!fs.existsSync(ready)) throw new Error('timed out waiting for the shared index');
    return { config };
  })();
  return shared;
}

const leftovers: string[] = [];
/** Removes a temp folder when the worker exits (one listener for all of them). */
export function removeAtExit(dir: string): void {
  if (leftovers.length === 0) process.once('exit', () => leftovers.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  leftovers.push(dir);
}

/** A fresh temp folder removed at exit, e.g. `scratch('verbatim-corpus-')`. */
export function scratch(prefix = 'verbatim-rel-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  removeAtExit(dir);
  return dir;
}

/** A private copy of an index folder (its `current` link stays relative), e.g. `copyIndex(config.indexDir)`. */
export function copyIndex(indexDir: string): string {
  const dest = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'verbatim-rel-copy-')), 'index');
  fs.cpSync(indexDir, dest, { recursive: true, verbatimSymlinks: true });
  removeAtExit(path.dirname(dest));
  return dest;
}
