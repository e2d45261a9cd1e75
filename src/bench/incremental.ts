/**
 * Full build vs incremental rebuild after one article changed, on a scratch copy of a corpus sample.
 * The full build also gives the product's indexing throughput (texts embedded per second).
 */
import path from 'node:path';
import type { Config } from '../config.js';
import type { Embedder } from '../embed/embedder.js';
import { buildIndex, type BuildSummary } from '../index/build.js';
import { editArticle } from './corpus.js';

export interface IncrementalResult {
  full: Pick<BuildSummary, 'articles' | 'sentences' | 'passages' | 'embeddedTexts' | 'seconds' | 'embedSeconds' | 'textsPerSecond' | 'embedWorkers'>;
  incremental: Pick<BuildSummary, 'embeddedArticles' | 'reusedArticles' | 'embeddedTexts' | 'seconds' | 'embedSeconds' | 'graphs'>;
  editedFile: string;
  /** Full build seconds ÷ incremental seconds. */
  speedup: number;
}

/**
 * Builds `corpusDir` into `indexDir` from scratch, edits `editFile` (relative to the corpus), rebuilds
 * incrementally, and restores the file.
 *
 * @example
 * const r = await measureIncremental(config, embedder, '.tmp/bench/corpus', '.tmp/bench/index', 'tech/001.txt');
 * r.incremental.embeddedArticles; // 1
 */
export async function measureIncremental(
  config: Config,
  embedder: Embedder,
  corpusDir: string,
  indexDir: string,
  editFile: string,
): Promise<IncrementalResult> {
  const cfg = { ...config, corpusDir, indexDir };
  const full = await buildIndex(cfg, { embedder, full: true });
  const restore = editArticle(path.join(corpusDir, editFile));
  let inc: BuildSummary;
  try {
    inc = await buildIndex(cfg, { embedder });
  } finally {
    restore();
  }
  return {
    full: {
      articles: full.articles,
      sentences: full.sentences,
      passages: full.passages,
      embeddedTexts: full.embeddedTexts,
      seconds: full.seconds,
      embedSeconds: full.embedSeconds,
      textsPerSecond: full.textsPerSecond,
      embedWorkers: full.embedWorkers,
    },
    incremental: {
      embeddedArticles: inc.embeddedArticles,
      reusedArticles: inc.reusedArticles,
      embeddedTexts: inc.embeddedTexts,
      seconds: inc.seconds,
      embedSeconds: inc.embedSeconds,
      graphs: inc.graphs,
    },
    editedFile: editFile,
    speedup: full.seconds / inc.seconds,
  };
}
