/**
 * One process of the `EmbedPool`: loads the embedder with a single intra-op thread, then embeds the
 * batches of token ids it is sent, answering with their vectors packed in one array.
 */
import { Embedder, type EmbedderOptions } from './embedder.js';

const send = (m: unknown) => process.send?.(m);
try {
  const options = JSON.parse(process.env.VERBATIM_EMBED_OPTIONS ?? '{}') as EmbedderOptions;
  const embedder = await Embedder.load({ ...options, threads: 1 });
  process.on('message', async ({ rows }: { rows: number[][] }) => {
    try {
      const vectors = await embedder.embedTokenized(rows);
      const flat = new Float32Array(vectors.length * embedder.info.dim);
      vectors.forEach((v, i) => flat.set(v, i * embedder.info.dim));
      send({ flat });
    } catch (e) {
      send({ error: (e as Error).message });
    }
  });
  // The pool owns this process: when it goes (or closes the channel), so does this one.
  process.on('disconnect', () => process.exit(0));
  send({ ready: embedder.info.dim });
} catch (e) {
  send({ failed: (e as Error).message });
  process.exit(1);
}
