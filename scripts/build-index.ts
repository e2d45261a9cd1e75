/**
 * `npm run build-index [-- --corpus <dir>] [--full]`: builds the index (incrementally by default).
 */
import { Command } from 'commander';
import { loadConfig } from '../src/config.js';
import { buildIndex } from '../src/index/build.js';
import { buildProgress, formatSummary } from '../src/cli/progress.js';
import { runMain } from '../src/cli/run.js';

const opts = new Command()
  .name('build-index')
  .description('Build the search index from the corpus: clean, split, embed, write HNSW + BM25.')
  .argument('[corpus]', 'corpus folder (overrides CORPUS_DIR)')
  .option('--corpus <dir>', 'corpus folder (overrides CORPUS_DIR)')
  .option('--index <dir>', 'index folder (overrides INDEX_DIR)')
  .option('--full', 're-embed every article instead of only new and changed ones')
  .parse();

await runMain(async () => {
  const o = opts.opts<{ corpus?: string; index?: string; full?: boolean }>();
  const config = loadConfig();
  config.corpusDir = o.corpus ?? opts.args[0] ?? config.corpusDir;
  if (o.index) config.indexDir = o.index;
  process.stderr.write(`Building ${config.indexDir} from ${config.corpusDir}${o.full ? ' (full rebuild)' : ''}…\n`);
  const progress = buildProgress();
  if (config.vectorStore === 'elasticsearch') {
    // The local build (incremental) first, then its documents into new indexes of the cluster.
    const { buildIntoCluster, writeProgress } = await import('../src/index/elasticsearch/build.js');
    const writing = writeProgress();
    const { local, cluster } = await buildIntoCluster(config, { full: o.full, onProgress: progress.update, onWrite: writing.update });
    progress.stop();
    writing.stop();
    process.stdout.write(formatSummary(local) + '\n');
    process.stdout.write(
      cluster.unchanged
        ? `Elasticsearch (${config.elasticsearch.urls.join(',')}) already serves build ${cluster.buildId}.\n`
        : `Elasticsearch: ${cluster.documents} documents written or deleted in ${cluster.seconds.toFixed(1)} s (${(cluster.documents / Math.max(cluster.seconds, 1e-3)).toFixed(0)}/s, ${cluster.retried} retried after 429)` +
            (cluster.carried ? `, carried over from the live build: ${cluster.articles.written} articles written, ${cluster.articles.removed} removed; ` : '; every document written; ') +
            `aliases ${config.elasticsearch.prefix}-* now on build ${cluster.buildId}` +
            `${cluster.previous ? ` (previous build ${cluster.previous} kept for rollback)` : ''}${cluster.deleted.length ? `; deleted ${cluster.deleted.length} older indexes` : ''}.\n`,
    );
    return;
  }
  const summary = await buildIndex(config, { full: o.full, onProgress: progress.update });
  progress.stop();
  process.stdout.write(formatSummary(summary) + '\n');
});
