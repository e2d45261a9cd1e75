/**
 * `npm run build-index` with `VECTOR_STORE=elasticsearch`: the local build runs as usual (only new or
 * changed articles are embedded, the rest reused by content hash), then the finished build goes into
 * the cluster (write.ts: only the documents that changed, into a clone of the live build) and the
 * aliases are switched to it.
 */
import cliProgress from 'cli-progress';
import type { Config } from '../../config.js';
import type { Embedder } from '../../embed/embedder.js';
import { buildIndex, type BuildOptions, type BuildSummary } from '../build.js';
import { loadIndex, type LoadedIndex } from '../load.js';
import { openClient, startError, isUnreachable } from './client.js';
import { writeBuild, type WriteOptions, type WriteSummary } from './write.js';

/**
 * Builds locally, then writes the build into the cluster.
 *
 * @example
 * const { local, cluster } = await buildIntoCluster(config, { full: false });
 * cluster.documents; // documents written with the bulk API
 */
export async function buildIntoCluster(
  config: Config,
  options: BuildOptions & Pick<WriteOptions, 'beforeSwitch' | 'batch'> & { embedder?: Embedder; onWrite?: WriteOptions['onProgress'] } = {},
): Promise<{ local: BuildSummary; cluster: WriteSummary }> {
  const client = openClient(config.elasticsearch);
  try {
    // Reach the cluster before spending minutes embedding.
    await client.cluster.health().catch((e: unknown) => {
      throw startError(config.elasticsearch, e);
    });
    const { onWrite, beforeSwitch, batch, ...buildOptions } = options;
    const local = await buildIndex(config, buildOptions);
    const index = await loadIndex(config.indexDir, { model: config.embeddingModel, quantized: config.quantized });
    try {
      const cluster = await writeBuild(client, config.elasticsearch, index, { full: options.full, onProgress: onWrite, beforeSwitch, batch });
      return { local, cluster };
    } catch (e) {
      if (isUnreachable(e)) throw startError(config.elasticsearch, e);
      throw e;
    }
  } finally {
    await client.close();
  }
}

/**
 * Writes an already loaded local build into the cluster under its own index prefix (for the eval and
 * the bench: the same build answered through both stores). Returns the configuration that answers from it.
 *
 * @example
 * const remote = await mirrorToCluster(config, engine.index, 'eval-squad');
 * const esEngine = await openEngine(remote, { embedder });
 */
export async function mirrorToCluster(config: Config, index: LoadedIndex, prefix: string, onWrite?: WriteOptions['onProgress']): Promise<Config> {
  const safe = prefix.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[-_.]+/, '');
  const es = { ...config.elasticsearch, prefix: safe };
  const client = openClient(es);
  try {
    await writeBuild(client, es, index, { full: true, onProgress: onWrite });
  } catch (e) {
    if (isUnreachable(e)) throw startError(es, e);
    throw e;
  } finally {
    await client.close();
  }
  return { ...config, vectorStore: 'elasticsearch', elasticsearch: es };
}

/**
 * A progress bar for the cluster writes (like the local build's), silent when stderr is not a TTY.
 *
 * @example
 * const bar = writeProgress();
 * await writeBuild(client, es, index, { onProgress: bar.update });
 * bar.stop();
 */
export function writeProgress(stream: NodeJS.WriteStream = process.stderr): { update: (done: number, total: number) => void; stop: () => void } {
  let bar: cliProgress.SingleBar | undefined;
  let started = 0;
  return {
    update(done, total) {
      if (!bar) {
        started = Date.now();
        bar = new cliProgress.SingleBar(
          { stream, noTTYOutput: false, format: 'writing to Elasticsearch {bar} {percentage}% | {value}/{total} documents | {rate}/s | ETA {eta_formatted}', etaBuffer: 20 },
          cliProgress.Presets.shades_classic,
        );
        if (stream.isTTY) bar.start(total, 0, { rate: '0' });
        else stream.write(`writing ${total} documents to Elasticsearch…\n`);
      }
      if (stream.isTTY) bar.update(done, { rate: (done / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(0) });
    },
    stop() {
      if (bar && stream.isTTY) bar.stop();
    },
  };
}
