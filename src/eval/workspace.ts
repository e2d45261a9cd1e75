/**
 * What the measuring scripts (eval, tune, calibrate, bench) share: a cached index per input under
 * `.tmp/eval/` (incremental builds make re-runs cheap) and evenly spread question samples.
 */
import path from 'node:path';
import type { Config } from '../config.js';
import { openEngine, type Engine } from '../answer/engine.js';
import type { Embedder } from '../embed/embedder.js';
import { profileKey } from '../embed/profiles.js';
import { buildIndex, type BuildSummary } from '../index/build.js';
import type { Article } from '../types.js';

/**
 * Builds (incrementally) and opens the index `.tmp/eval/<name>-<model>` — of `articles`, or of
 * `config.corpusDir`. Each model (and profile, and fp32) gets its own folder, so switching
 * EMBEDDING_MODEL or EMBEDDING_QUANTIZED never clobbers another model's index.
 *
 * @example
 * const { engine, summary } = await openCachedEngine(config, embedder, 'squad', articles);
 */
export async function openCachedEngine(
  config: Config,
  embedder: Embedder,
  name: string,
  articles?: Article[],
  indexDir = path.join('.tmp', 'eval', `${name}-${profileKey(embedder.info.model, embedder.info)}${embedder.info.quantized ? '' : '-fp32'}`),
): Promise<{ engine: Engine; summary: BuildSummary }> {
  const c = { ...config, indexDir };
  const summary = await buildIndex(c, { embedder, articles });
  return { engine: await openEngine(c, { embedder }), summary };
}

/**
 * `n` items spread evenly over a list (all of it when `n` is larger), starting `phase` items in.
 *
 * @example
 * evenSample([1, 2, 3, 4, 5, 6], 3);    // [1, 3, 5]
 * evenSample([1, 2, 3, 4, 5, 6], 3, 1); // [2, 4, 6]
 */
export function evenSample<T>(items: readonly T[], n: number, phase = 0): T[] {
  if (n >= items.length) return [...items];
  const step = items.length / n;
  return Array.from({ length: n }, (_, i) => items[Math.min(items.length - 1, Math.floor(i * step) + phase)]);
}
