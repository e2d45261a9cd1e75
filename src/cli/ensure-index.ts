import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { profileForConfig, sameProfile, type Pooling } from '../embed/profiles.js';
import { currentLink, expandArticles, FILES, INDEX_FORMAT, readJson, REUSABLE_FORMATS } from '../index/format.js';
import type { Article } from '../types.js';
import { buildProgress, formatSummary } from './progress.js';

/**
 * Why the index must be built before answering: there is none yet, or the live one has an older
 * format whose vectors a build reuses (so upgrading costs seconds, not a re-embedding). A corrupted
 * index gives no reason: loading it reports what is wrong.
 *
 * @example
 * indexBuildReason('index'); // 'missing' on a fresh clone, undefined once built
 */
export function indexBuildReason(
  indexDir: string,
  expected?: Pick<Config, 'embeddingModel' | 'quantized'> & Partial<Pick<Config, 'embeddingPooling' | 'embeddingQueryPrefix' | 'embeddingPassagePrefix'>>,
): 'missing' | 'upgrade' | undefined {
  if (!fs.existsSync(currentLink(indexDir))) return 'missing';
  try {
    const m = JSON.parse(fs.readFileSync(path.join(currentLink(indexDir), FILES.manifest), 'utf8')) as {
      format?: number;
      embedding?: { model?: string; quantized?: boolean; pooling?: Pooling; queryPrefix?: string; passagePrefix?: string };
    };
    // Another model's vectors (or the same model used otherwise) cannot be reused: loading then says what to run instead.
    const recorded = { pooling: m.embedding?.pooling ?? 'mean', queryPrefix: m.embedding?.queryPrefix ?? '', passagePrefix: m.embedding?.passagePrefix ?? '' };
    const sameModel =
      !expected ||
      (m.embedding?.model === expected.embeddingModel &&
        m.embedding?.quantized === expected.quantized &&
        sameProfile(recorded, profileForConfig({ embeddingPooling: undefined, embeddingQueryPrefix: undefined, embeddingPassagePrefix: undefined, ...expected })));
    return m.format !== INDEX_FORMAT && typeof m.format === 'number' && REUSABLE_FORMATS.includes(m.format) && sameModel ? 'upgrade' : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What to build from: the corpus folder for a first build; for an upgrade, the articles the index
 * already holds (it may have been built from another folder with `--corpus`), so nothing is lost
 * and nothing is embedded again.
 *
 * @example
 * const summary = await buildIndex(config, indexBuildInput(config, 'upgrade'));
 */
export function indexBuildInput(config: Config, reason: 'missing' | 'upgrade'): { articles?: Article[] } {
  if (reason === 'missing') return {};
  return { articles: expandArticles(readJson(path.join(currentLink(config.indexDir), FILES.articles))) };
}

/**
 * Builds the index first when there is none yet (a newcomer's first `ask` or `start`), or upgrades
 * one of an older format; a corrupted index is left alone so that loading it reports what is wrong.
 *
 * @example
 * await ensureIndex(config); // builds ./index from ./corpus on first use, else does nothing
 */
export async function ensureIndex(config: Config, log: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<void> {
  const reason = indexBuildReason(config.indexDir, config);
  if (!reason) return;
  log(
    reason === 'missing'
      ? `No index in ${config.indexDir} yet: building it from ${config.corpusDir} (once).`
      : `The index in ${config.indexDir} has an older format: upgrading it (its articles and vectors are reused).`,
  );
  // Imported only when a build is needed: the builder brings jsdom (HTML extraction), tens of MB of RSS.
  const { buildIndex } = await import('../index/build.js');
  const progress = buildProgress();
  const summary = await buildIndex(config, { ...indexBuildInput(config, reason), onProgress: progress.update });
  progress.stop();
  log(formatSummary(summary));
}
