import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { currentLink, FILES, INDEX_FORMAT, REUSABLE_FORMATS } from '../index/format.js';
import { buildProgress, formatSummary } from './progress.js';

/**
 * Why the index must be built before answering: there is none yet, or the live one has an older
 * format whose vectors a build reuses (so upgrading costs seconds, not a re-embedding). A corrupted
 * index gives no reason: loading it reports what is wrong.
 *
 * @example
 * indexBuildReason('index'); // 'missing' on a fresh clone, undefined once built
 */
export function indexBuildReason(indexDir: string): 'missing' | 'upgrade' | undefined {
  if (!fs.existsSync(currentLink(indexDir))) return 'missing';
  try {
    const { format } = JSON.parse(fs.readFileSync(path.join(currentLink(indexDir), FILES.manifest), 'utf8')) as { format?: number };
    return format !== INDEX_FORMAT && typeof format === 'number' && REUSABLE_FORMATS.includes(format) ? 'upgrade' : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Builds the index first when there is none yet (a newcomer's first `ask` or `start`), or upgrades
 * one of an older format; a corrupted index is left alone so that loading it reports what is wrong.
 *
 * @example
 * await ensureIndex(config); // builds ./index from ./corpus on first use, else does nothing
 */
export async function ensureIndex(config: Config, log: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<void> {
  const reason = indexBuildReason(config.indexDir);
  if (!reason) return;
  log(
    reason === 'missing'
      ? `No index in ${config.indexDir} yet: building it from ${config.corpusDir} (once).`
      : `The index in ${config.indexDir} has an older format: upgrading it (its vectors are reused).`,
  );
  // Imported only when a build is needed: the builder brings jsdom (HTML extraction), ~60 MB of RSS.
  const { buildIndex } = await import('../index/build.js');
  const progress = buildProgress();
  const summary = await buildIndex(config, { onProgress: progress.update });
  progress.stop();
  log(formatSummary(summary));
}
