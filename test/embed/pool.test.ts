import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbedPool } from '../../src/embed/pool.js';
import { ModelError, type Embedder } from '../../src/embed/embedder.js';
import { buildIndex } from '../../src/index/build.js';
import { loadIndex } from '../../src/index/load.js';
import { openEngine } from '../../src/answer/engine.js';
import { MODEL_DIR, SEED_CORPUS, sharedEmbedder, tempDir, testConfig } from '../support/env.js';

const OPTIONS = { model: 'Xenova/all-MiniLM-L6-v2', quantized: true, modelDir: MODEL_DIR };
let embedder: Embedder;
let pool: EmbedPool;
beforeAll(async () => {
  embedder = await sharedEmbedder();
  pool = await EmbedPool.open(OPTIONS, 2);
});
afterAll(async () => {
  await pool.close();
});

describe('the embedding pool (worker processes)', () => {
  it('gives the same vectors as the main thread, in input order, reporting progress to the end', async () => {
    const texts = Array.from({ length: 150 }, (_, i) =>
      i % 3 === 0 ? `word${i}` : `Sentence ${i}: the coalition has flown ${i * 10} air missions over ${i % 2 ? 'Iraq' : 'Syria'} since the summer.`,
    );
    const alone = await embedder.embed(texts, { kind: 'passage' });
    const progress: number[] = [];
    const pooled = await embedder.embed(texts, { kind: 'passage', runner: pool, onBatch: (done) => progress.push(done) });
    expect(pooled).toHaveLength(texts.length);
    let min = 1;
    pooled.forEach((v, i) => {
      let dot = 0;
      for (let d = 0; d < v.length; d++) dot += v[d] * alone[i][d];
      min = Math.min(min, dot);
    });
    expect(min).toBeGreaterThan(0.9999);
    expect(progress.at(-1)).toBe(texts.length);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  });

  it('refuses to start without the model, saying where it looked', async () => {
    const err = await EmbedPool.open({ ...OPTIONS, modelDir: tempDir() }, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as Error).message).toMatch(/embedding workers: Model not found: .*model_quantized\.onnx/);
  });

  it('rejects work after it is closed instead of hanging', async () => {
    const p = await EmbedPool.open(OPTIONS, 1);
    await p.close();
    await expect(p.run([[101, 102]])).rejects.toThrow(/closed/);
  });

  it('embeds a whole build on worker processes when asked, and the index answers', async () => {
    const config = testConfig({ CORPUS_DIR: SEED_CORPUS, INDEX_DIR: tempDir('verbatim-index-'), EMBED_WORKERS: '2' });
    const summary = await buildIndex(config, { embedder, poolMinTexts: 0 });
    expect(summary).toMatchObject({ articles: 5, embedWorkers: 2 });
    const index = await loadIndex(config.indexDir, OPTIONS);
    expect(index.manifest.counts.sentences).toBe(summary.sentences);
    const engine = await openEngine(config, { embedder });
    const answer = await engine.answer('Who is the Pentagon spokesman?');
    expect(answer.quotes[0].text).toMatch(/Kirby/);
  });
});
