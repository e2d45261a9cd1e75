import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/answer/engine.js';
import { indexBuildReason } from '../../src/cli/ensure-index.js';
import { Embedder } from '../../src/embed/embedder.js';
import { buildIndex } from '../../src/index/build.js';
import { DEFAULT_TUNING, tuningFor } from '../../src/answer/tuning.js';
import { FILES, IndexError, resolveCurrent } from '../../src/index/format.js';
import { loadIndex } from '../../src/index/load.js';
import type { Article } from '../../src/types.js';
import { sharedEmbedder, tempDir, testConfig } from '../support/env.js';

const E5 = 'Xenova/e5-small-v2';
const ARTICLE: Article = {
  id: 'broncos',
  file: 'broncos.txt',
  title: 'Broncos win',
  publisher: 'Test',
  date: '2016-02-07',
  url: '',
  text: 'The Denver Broncos won Super Bowl 50. They beat the Carolina Panthers 24 to 10.',
  hash: 'h1',
};

/** Rewrites the live build's manifest (its checksums do not cover the manifest itself). */
function editManifest(indexDir: string, edit: (m: Record<string, unknown> & { embedding: Record<string, unknown> }) => void): void {
  const file = path.join(resolveCurrent(indexDir), FILES.manifest);
  const m = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(m);
  fs.writeFileSync(file, JSON.stringify(m));
}

describe('the manifest records how the model was used', () => {
  let e5: Embedder;
  const indexDir = tempDir('verbatim-index-');
  const config = testConfig({ EMBEDDING_MODEL: E5, INDEX_DIR: indexDir });
  beforeAll(async () => {
    e5 = await Embedder.forConfig(config);
    await buildIndex(config, { embedder: e5, articles: [ARTICLE] });
  });

  it('writes pooling and prefixes, and the index answers with the same profile', async () => {
    const index = await loadIndex(indexDir, e5.info);
    expect(index.manifest.embedding).toEqual({ model: E5, dim: 384, quantized: true, maxTokens: 512, pooling: 'mean', queryPrefix: 'query: ', passagePrefix: 'passage: ' });
    // The stored sentence vector is the "passage: " one (batched with other texts at build time, so
    // int8's per-batch activation scales leave it a little off the one made alone).
    const stored = index.sentenceVectors.subarray(0, 384);
    const [prefixed] = await e5.embed(['The Denver Broncos won Super Bowl 50.'], { kind: 'passage' });
    const [asQuery] = await e5.embed(['The Denver Broncos won Super Bowl 50.'], { kind: 'query' });
    const dot = (a: Float32Array) => a.reduce((s, x, i) => s + x * stored[i], 0);
    expect(dot(prefixed)).toBeGreaterThan(0.99);
    expect(dot(prefixed)).toBeGreaterThan(dot(asQuery) + 0.005);
    const engine = await openEngine(config, { embedder: e5 });
    expect((await engine.answer('Who won Super Bowl 50?')).quotes[0]?.text).toMatch(/Broncos/);
  });

  it("answers with e5's own tuning: its cosine floor, not MiniLM's, keeps an off-topic question silent", async () => {
    const engine = await openEngine(config, { embedder: e5 });
    expect(engine.tuning).toBe(tuningFor(E5));
    expect(engine.tuning.abstain.floor).toBeGreaterThan(DEFAULT_TUNING.abstain.floor);
    const { answer, trace } = await engine.answerWithTrace('How do I bake sourdough bread at home?');
    expect(answer.abstained).toBe(true);
    // Unrelated texts sit high in e5's band: MiniLM's floor would have let this one through.
    expect(trace?.evidence.cos).toBeGreaterThan(DEFAULT_TUNING.abstain.floor);
    expect(trace?.evidence.cos).toBeLessThan(engine.tuning.abstain.floor);
    expect((await engine.answer('Who won Super Bowl 50?')).abstained).toBe(false);
  });

  it('refuses the index when the configuration uses the model otherwise, saying what to run', async () => {
    const other = testConfig({ EMBEDDING_MODEL: E5, INDEX_DIR: indexDir, EMBEDDING_QUERY_PREFIX: 'question: ' });
    const refused = await openEngine(other).catch((e: unknown) => e); // fails on the index, before loading the model
    expect(refused).toBeInstanceOf(IndexError);
    expect((refused as Error).message).toMatch(
      /built with Xenova\/e5-small-v2 used with mean pooling, query prefix "query: ".*uses it with mean pooling, query prefix "question: ".*npm run build-index -- --full.*EMBEDDING_QUERY_PREFIX/s,
    );
    await expect(loadIndex(indexDir, { ...e5.info, pooling: 'cls' })).rejects.toThrow(/cls pooling.*Rebuild/s);
    // Nothing for ask/start to upgrade: loading says what to run.
    expect(indexBuildReason(indexDir, other)).toBeUndefined();
  });

  it('re-embeds everything when the profile changed, instead of mixing vectors made two ways', async () => {
    const dir = tempDir('verbatim-index-');
    const c = testConfig({ EMBEDDING_MODEL: E5, INDEX_DIR: dir });
    await buildIndex(c, { embedder: e5, articles: [ARTICLE] });
    const plain = await Embedder.load({ model: E5, quantized: true, modelDir: c.modelDir, profile: { queryPrefix: '', passagePrefix: '' } });
    const again = await buildIndex(c, { embedder: plain, articles: [ARTICLE] });
    expect(again).toMatchObject({ embeddedArticles: 1, reusedArticles: 0 });
    expect((await loadIndex(dir, plain.info)).manifest.embedding).toMatchObject({ queryPrefix: '', passagePrefix: '' });
  });
});

describe('indexes built before the profile was recorded', () => {
  it('load as mean pooling without prefixes, which is how they were built', async () => {
    const embedder = await sharedEmbedder();
    const indexDir = tempDir('verbatim-index-');
    const config = testConfig({ INDEX_DIR: indexDir });
    await buildIndex(config, { embedder, articles: [ARTICLE] });
    editManifest(indexDir, (m) => {
      delete m.embedding.pooling;
      delete m.embedding.queryPrefix;
      delete m.embedding.passagePrefix;
    });
    const index = await loadIndex(indexDir, embedder.info);
    expect(index.manifest.embedding).toMatchObject({ pooling: 'mean', queryPrefix: '', passagePrefix: '' });
    // A later build reuses its vectors (same model, same profile).
    const again = await buildIndex(config, { embedder, articles: [ARTICLE] });
    expect(again).toMatchObject({ embeddedArticles: 0, reusedArticles: 1 });
    // The same old index is refused for a model used otherwise (e5 with its prefixes).
    editManifest(indexDir, (m) => {
      m.embedding.model = E5;
      delete m.embedding.queryPrefix;
      delete m.embedding.passagePrefix;
    });
    await expect(loadIndex(indexDir, { model: E5, quantized: true, pooling: 'mean', queryPrefix: 'query: ', passagePrefix: 'passage: ' })).rejects.toThrow(
      /used with mean pooling, no query prefix, no passage prefix.*Rebuild it with: npm run build-index -- --full/s,
    );
  });
});
