/**
 * Build progress for a terminal (cli-progress: bar, rate, ETA); silent when stderr is not a TTY so
 * logs and CI output stay clean.
 */
import cliProgress from 'cli-progress';
import type { BuildOptions, BuildSummary } from '../index/build.js';

/**
 * A progress callback for `buildIndex`, and a function to close the bar.
 *
 * @example
 * const progress = buildProgress();
 * const summary = await buildIndex(config, { onProgress: progress.update });
 * progress.stop();
 */
export function buildProgress(stream: NodeJS.WriteStream = process.stderr): { update: NonNullable<BuildOptions['onProgress']>; stop: () => void } {
  let bar: cliProgress.SingleBar | undefined;
  let started = 0;
  return {
    update(phase, done, total) {
      if (phase === 'embed') {
        if (!bar && total > 0) {
          started = Date.now();
          bar = new cliProgress.SingleBar(
            {
              stream,
              noTTYOutput: false,
              format: 'embedding {bar} {percentage}% | {value}/{total} texts | {rate}/s | ETA {eta_formatted}',
              etaBuffer: 50,
            },
            cliProgress.Presets.shades_classic,
          );
          if (stream.isTTY) bar.start(total, 0, { rate: '0' });
        }
        if (bar && stream.isTTY) bar.update(done, { rate: (done / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(0) });
      } else if (phase === 'index' && done === 0) {
        if (bar && stream.isTTY) bar.stop();
        bar = undefined;
        stream.write('writing vector and BM25 indexes…\n');
      }
    },
    stop() {
      if (bar && stream.isTTY) bar.stop();
    },
  };
}

/**
 * The build's closing summary, one line per fact.
 *
 * @example
 * console.log(formatSummary(summary));
 */
export function formatSummary(s: BuildSummary): string {
  const lines = [
    `Index ${s.buildId}: ${s.articles} articles, ${s.sentences} sentences, ${s.passages} chunks (passages) in ${s.seconds.toFixed(1)} s ` +
      `(${(s.passages / Math.max(s.seconds, 1e-3)).toFixed(1)} chunks/s; embedding ${s.textsPerSecond.toFixed(0)} texts/s` +
      `${s.embedWorkers > 1 ? ` on ${s.embedWorkers} worker processes` : ''}).`,
    `Embedded ${s.embeddedArticles} new or changed article(s) (${s.embeddedTexts} texts incl. new vocabulary words); ` +
      `reused ${s.reusedArticles} unchanged; removed ${s.removedArticles}; skipped ${s.skipped.length}; ` +
      (s.graphs === 'updated' ? 'vector graphs updated in place.' : 'vector graphs built from all vectors.'),
  ];
  for (const n of s.notes) lines.push(`note: ${n.file}: ${n.note}`);
  for (const k of s.skipped) lines.push(`skipped: ${k.file}: ${k.reason}`);
  return lines.join('\n');
}
