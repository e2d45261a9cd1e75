/**
 * Shared test set-up: a configuration pointing at temporary folders, the real model from MODEL_DIR
 * (`../shared/models` by default), and one embedder per test file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { Embedder } from '../../src/embed/embedder.js';
import type { Engine } from '../../src/answer/engine.js';

export const MODEL_DIR = process.env.MODEL_DIR ?? '../shared/models';
export const SEED_CORPUS = path.resolve('corpus');
export const BBC = path.resolve('../shared/datasets/bbc-news');

/** A fresh temp folder, e.g. `const dir = tempDir()`; the run's own temp folder holds it (tmp-global-setup.ts). */
export function tempDir(prefix = 'verbatim-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A configuration for tests: given folders, the real model, no dotenv. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ MODEL_DIR, LOG_LEVEL: 'silent', ...overrides }, { dotenv: false });
}

let embedder: Promise<Embedder> | undefined;
/** The real embedding model, loaded once per test file. */
export function sharedEmbedder(): Promise<Embedder> {
  embedder ??= Embedder.load({ model: 'Xenova/all-MiniLM-L6-v2', quantized: true, modelDir: MODEL_DIR });
  return embedder;
}

/** Copies files (relative to `from`) into a new temporary corpus folder. */
export function copyCorpus(from: string, files: string[]): string {
  const dir = tempDir('verbatim-corpus-');
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(path.join(from, f), path.join(dir, f));
  }
  return dir;
}

/**
 * The seed corpus indexed in a fresh temporary folder and opened with the shared embedder (and the
 * configured reader), e.g. `seeds = await seedEngine()` in a `beforeAll`.
 */
export async function seedEngine(): Promise<Engine> {
  // Loaded here, not at the top: most tests that use this file never build an index.
  const [{ buildIndex }, { openEngine }] = await Promise.all([import('../../src/index/build.js'), import('../../src/answer/engine.js')]);
  const embedder = await sharedEmbedder();
  const config = testConfig({ CORPUS_DIR: SEED_CORPUS, INDEX_DIR: tempDir('verbatim-index-') });
  await buildIndex(config, { embedder });
  return openEngine(config, { embedder });
}
