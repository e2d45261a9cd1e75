import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipeline, type FeatureExtractionPipeline } from '@xenova/transformers';
import { ConfigError, loadConfig } from '../../src/config.js';
import { Embedder } from '../../src/embed/embedder.js';
import { EmbedPool } from '../../src/embed/pool.js';
import { DEFAULT_PROFILE, describeProfile, profileForConfig, profileKey, resolveProfile } from '../../src/embed/profiles.js';
import { MODEL_DIR, testConfig } from '../support/env.js';

const E5 = 'Xenova/e5-small-v2';
const BGE = 'Xenova/bge-small-en-v1.5';
const QUESTION = 'Who won the game?';
const SENTENCE = 'The Broncos won the game.';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** The library's own pipeline, as a model card would use it: the reference the Embedder must match. */
async function reference(extractor: FeatureExtractionPipeline, text: string, pooling: 'mean' | 'cls'): Promise<Float32Array> {
  return (await extractor([text], { pooling, normalize: true })).data as Float32Array;
}

describe('model profiles', () => {
  it('knows the three models, and gives any other mean pooling and no prefixes', () => {
    expect(resolveProfile('Xenova/all-MiniLM-L6-v2')).toEqual({ pooling: 'mean', queryPrefix: '', passagePrefix: '', maxTokens: 256 });
    expect(resolveProfile(E5)).toEqual({ pooling: 'mean', queryPrefix: 'query: ', passagePrefix: 'passage: ', maxTokens: 512 });
    expect(resolveProfile(BGE)).toMatchObject({ pooling: 'cls', queryPrefix: 'Represent this sentence for searching relevant passages: ', passagePrefix: '' });
    expect(resolveProfile('acme/unknown-model')).toEqual(DEFAULT_PROFILE);
    expect(resolveProfile('acme/unknown-model', { pooling: 'cls', queryPrefix: 'q: ' })).toMatchObject({ pooling: 'cls', queryPrefix: 'q: ', passagePrefix: '' });
    expect(profileKey(E5, resolveProfile(E5))).toBe('e5-small-v2');
    expect(profileKey(E5, resolveProfile(E5, { queryPrefix: '' }))).toMatch(/^e5-small-v2-[0-9a-f]{6}$/);
    expect(describeProfile(resolveProfile(E5))).toBe('mean pooling, query prefix "query: ", passage prefix "passage: "');
  });

  it('reads overrides from the configuration, prefixes kept as written, pooling validated', () => {
    const config = testConfig({ EMBEDDING_MODEL: 'acme/unknown-model', EMBEDDING_POOLING: 'CLS', EMBEDDING_QUERY_PREFIX: 'search_query: ' });
    expect(profileForConfig(config)).toMatchObject({ pooling: 'cls', queryPrefix: 'search_query: ', passagePrefix: '' });
    expect(profileForConfig(testConfig({ EMBEDDING_MODEL: E5 }))).toMatchObject({ queryPrefix: 'query: ', passagePrefix: 'passage: ' });
    expect(() => loadConfig({ EMBEDDING_POOLING: 'max' }, { dotenv: false })).toThrow(ConfigError);
    expect(() => loadConfig({ EMBEDDING_POOLING: 'max' }, { dotenv: false })).toThrow(/EMBEDDING_POOLING: expected mean or cls, got "max"/);
  });
});

describe('e5-small-v2: prefixes', () => {
  let e5: Embedder;
  let raw: FeatureExtractionPipeline;
  beforeAll(async () => {
    e5 = await Embedder.forConfig(testConfig({ EMBEDDING_MODEL: E5 }));
    raw = (await pipeline('feature-extraction', E5, { quantized: true })) as FeatureExtractionPipeline;
  });

  it('embeds a question as the raw pipeline embeds "query: …", an indexed text as "passage: …"', async () => {
    expect(e5.info).toMatchObject({ model: E5, pooling: 'mean', queryPrefix: 'query: ', passagePrefix: 'passage: ', maxTokens: 512 });
    const q = await e5.embedQuery(QUESTION);
    expect(dot(q, await reference(raw, `query: ${QUESTION}`, 'mean'))).toBeGreaterThan(0.9999);
    expect(dot(q, await reference(raw, QUESTION, 'mean'))).toBeLessThan(0.99); // the prefix is really there
    const [p] = await e5.embed([SENTENCE], { kind: 'passage' });
    expect(dot(p, await reference(raw, `passage: ${SENTENCE}`, 'mean'))).toBeGreaterThan(0.9999);
    expect(e5.prefixTokens('passage')).toBe(2);
  });

  it('keeps queries and passages apart in the cache (the same word, two vectors)', async () => {
    const [asPassage] = await e5.embedCached(['spokesman'], 'passage');
    const [asQuery] = await e5.embedCached(['spokesman'], 'query');
    expect(dot(asPassage, asQuery)).toBeLessThan(0.999);
    expect(dot(asPassage, (await e5.embed(['spokesman'], { kind: 'passage' }))[0])).toBeGreaterThan(0.9999);
  });
});

describe('bge-small-en-v1.5: CLS pooling', () => {
  let bge: Embedder;
  let raw: FeatureExtractionPipeline;
  let pool: EmbedPool | undefined;
  beforeAll(async () => {
    bge = await Embedder.forConfig(testConfig({ EMBEDDING_MODEL: BGE }));
    raw = (await pipeline('feature-extraction', BGE, { quantized: true })) as FeatureExtractionPipeline;
  });
  afterAll(async () => {
    await pool?.close();
  });

  it('pools the [CLS] vector, and puts the instruction before questions only', async () => {
    expect(bge.info).toMatchObject({ pooling: 'cls', passagePrefix: '' });
    const [p] = await bge.embed([SENTENCE], { kind: 'passage' });
    expect(dot(p, await reference(raw, SENTENCE, 'cls'))).toBeGreaterThan(0.9999);
    expect(dot(p, await reference(raw, SENTENCE, 'mean'))).toBeLessThan(0.99);
    const q = await bge.embedQuery(QUESTION);
    expect(dot(q, await reference(raw, `${bge.info.queryPrefix}${QUESTION}`, 'cls'))).toBeGreaterThan(0.9999);
  });

  it('pools the same way on worker processes', async () => {
    pool = await EmbedPool.open(bge.poolOptions(MODEL_DIR), 1);
    const texts = [SENTENCE, 'Denver beat Carolina 24–10 in Super Bowl 50.', 'touchdown'];
    const alone = await bge.embed(texts, { kind: 'passage' });
    const pooled = await bge.embed(texts, { kind: 'passage', runner: pool });
    pooled.forEach((v, i) => expect(dot(v, alone[i])).toBeGreaterThan(0.9999));
  });
});
