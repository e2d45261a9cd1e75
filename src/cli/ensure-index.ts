import fs from 'node:fs';
import type { Config } from '../config.js';
import { buildIndex } from '../index/build.js';
import { currentLink } from '../index/format.js';
import { buildProgress, formatSummary } from './progress.js';

/**
 * Builds the index first when there is none yet (a newcomer's first `ask` or `start`); a corrupted
 * index is left alone so that loading it reports what is wrong.
 *
 * @example
 * await ensureIndex(config); // builds ./index from ./corpus on first use, else does nothing
 */
export async function ensureIndex(config: Config, log: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<void> {
  if (fs.existsSync(currentLink(config.indexDir))) return;
  log(`No index in ${config.indexDir} yet: building it from ${config.corpusDir} (once).`);
  const progress = buildProgress();
  const summary = await buildIndex(config, { onProgress: progress.update });
  progress.stop();
  log(formatSummary(summary));
}
