/**
 * The Elasticsearch store against the real 2-node cluster (test/support/elasticsearch.ts): the seed
 * corpus built into the cluster answers every seed question exactly as the local store does (quotes,
 * sources, abstentions, second pages, context, sources); a SQuAD subset scores within 0.005 of local;
 * builds switch aliases atomically, keep the previous build, survive being killed mid-bulk, and refuse
 * another model's mapping; an unreachable cluster at start is one clear line.
 */
import { spawn } from 'node:child_process';
import { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine, type Engine } from '../../src/answer/engine.js';
import { DEFAULT_TUNING } from '../../src/answer/tuning.js';
import type { Config } from '../../src/config.js';
import { readQuestions, readSquadDocs } from '../../src/eval/datasets.js';
import { evaluate } from '../../src/eval/metrics.js';
import { evenSample } from '../../src/eval/workspace.js';
import { IndexError } from '../../src/index/format.js';
import { loadIndex } from '../../src/index/load.js';
import { buildIntoCluster } from '../../src/index/elasticsearch/build.js';
import { aliasName } from '../../src/index/elasticsearch/layout.js';
import { readLiveMeta } from '../../src/index/elasticsearch/meta.js';
import { ElasticsearchSource } from '../../src/index/elasticsearch/source.js';
import { writeBuild } from '../../src/index/elasticsearch/write.js';
import type { Embedder } from '../../src/embed/embedder.js';
import { esCluster } from '../support/elasticsearch.js';
import { runTsx } from '../reliability/child.js';
import { indexEngineLoader } from '../../src/answer/index-loader.js';
import { MODEL_DIR, SEED_CORPUS, sharedEmbedder, tempDir, testConfig } from '../support/env.js';

const cluster = await esCluster();
const SQUAD = '../shared/datasets/squad-dev-v1.1-public.json';
/** SQuAD paragraphs in the parity check: small enough for CI (the eval row runs all 2,067). */
const SQUAD_PARAGRAPHS = 40;

/** An answer without its timings, for comparing stores. */
const comparable = (a: object) => JSON.stringify({ ...a, ms: 0, timings: 0 });

describe.skipIf(!cluster)('Elasticsearch store (seed corpus)', () => {
  const prefix = `test-store-${process.pid}`;
  let embedder: Embedder;
  let config: Config;
  let local: Engine;
  let remote: Engine;
  let client: Client;

  beforeAll(async () => {
    embedder = await sharedEmbedder();
    config = testConfig({
      CORPUS_DIR: SEED_CORPUS,
      INDEX_DIR: tempDir('verbatim-es-index-'),
      VECTOR_STORE: 'elasticsearch',
      ELASTICSEARCH_URL: cluster!.url,
      ELASTICSEARCH_INDEX_PREFIX: prefix,
      ELASTICSEARCH_REPLICAS: '1',
    });
    client = new Client({ nodes: cluster!.nodeUrls });
    await buildIntoCluster(config, { embedder });
    local = await openEngine({ ...config, vectorStore: 'local' }, { embedder });
    remote = await openEngine(config, { embedder });
  });
  afterAll(async () => {
    await client?.indices.delete({ index: `${prefix}-*`, ignore_unavailable: true }).catch(() => {});
    await (remote?.store as ElasticsearchSource | undefined)?.close?.();
    await client?.close();
  });

  it('answers every seed question (answerable and not) exactly as the local store, page one and two', async () => {
    const questions = [...readQuestions('../shared/eval/seed-questions.jsonl'), ...readQuestions('eval/seed-unanswerable.jsonl')];
    expect(questions.length).toBeGreaterThan(40);
    const differing: string[] = [];
    let abstained = 0;
    for (const q of questions) {
      for (const page of [{ k: 3, offset: 0 }, { k: 3, offset: 3 }]) {
        const [a, b] = [await local.answer(q.question, page), await remote.answer(q.question, page)];
        if (page.offset === 0 && a.abstained) abstained++;
        if (comparable(a) !== comparable(b)) differing.push(`${q.id} ${q.question} (offset ${page.offset})`);
      }
    }
    expect(differing).toEqual([]);
    expect(abstained).toBeGreaterThan(10); // the unanswerable ones really were compared as abstentions
    expect(remote.buildId).toBe(local.buildId);
  });

  it('quotes DW and Euronews for the air-missions question, with global sentence ids that context() resolves', async () => {
    const answer = await remote.answer('How many air missions has the coalition flown?');
    expect(answer.quotes[0].source.publisher).toBe('DW');
    expect(answer.quotes[0].alsoIn.map((c) => c.publisher)).toContain('Euronews');
    for (const quote of answer.quotes) {
      expect(await remote.context(quote.sentenceId, 1)).toEqual(await local.context(quote.sentenceId, 1));
      expect((await remote.context(quote.sentenceId, 0))?.text).toContain(quote.text.slice(-30));
    }
    expect(await remote.context(10 ** 9)).toBeUndefined();
  });

  it('lists the same sources as the local store', async () => {
    expect(await remote.sources()).toEqual(await local.sources());
    const first = (await local.sources())[0];
    expect(await remote.source(first.id)).toEqual(first);
    expect(await remote.source('no-such-article')).toBeUndefined();
  });

  it('switches the aliases to a new build at once, keeps the previous one, deletes older ones', async () => {
    const before = (await readLiveMeta(client, prefix))!.meta.manifest.buildId;
    const second = await buildIntoCluster(config, { embedder });
    const third = await buildIntoCluster(config, { embedder });
    expect(second.local.embeddedArticles).toBe(0); // incremental: nothing embedded again
    expect(third.cluster.previous).toBe(second.cluster.buildId);
    expect((await readLiveMeta(client, prefix))!.meta.manifest.buildId).toBe(third.cluster.buildId);
    const names = (await client.cat.indices({ index: `${prefix}-*`, format: 'json', h: 'index' })).map((r) => r.index as string);
    const builds = new Set(names.map((n) => n.split('-').slice(-2).join('-')));
    expect(builds).toEqual(new Set([second.cluster.buildId.toLowerCase(), third.cluster.buildId.toLowerCase()]));
    expect(names.some((n) => n.endsWith(before.toLowerCase()))).toBe(false);
    // The bot's watcher probes the build id behind the alias.
    expect(await indexEngineLoader(config).probe!()).toBe(third.cluster.buildId);
    expect(await indexEngineLoader({ ...config, elasticsearch: { ...config.elasticsearch, prefix: 'no-such-prefix' } }).probe!()).toBeUndefined();
    // The engine opened on the first build read its indexes; a new engine follows the alias.
    const fresh = await openEngine(config, { embedder });
    expect(fresh.buildId).toBe(third.cluster.buildId);
    expect(comparable(await fresh.answer('Who is the Pentagon spokesman?'))).toBe(comparable(await local.answer('Who is the Pentagon spokesman?')));
  });

  it('leaves the aliases on the last good build when a build is killed mid-bulk; the next build completes', async () => {
    const live = (await readLiveMeta(client, prefix))!.meta.manifest.buildId;
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/es-build-child.ts'], {
      env: { ...process.env, MODEL_DIR, CORPUS_DIR: config.corpusDir, INDEX_DIR: config.indexDir, VECTOR_STORE: 'elasticsearch', ELASTICSEARCH_URL: cluster!.url, ELASTICSEARCH_INDEX_PREFIX: prefix, ES_TEST_BATCH: '20', ES_TEST_FULL: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const killed = new Promise<number | null>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        // A few batches in: some documents written, most not.
        if ((out.match(/^written /gm) ?? []).length >= 3) child.kill('SIGKILL');
      });
      child.on('exit', (code) => resolve(code));
    });
    await killed;
    expect(out).toMatch(/written \d+\/\d+/);
    expect(out).not.toMatch(/switched to/);
    expect((await readLiveMeta(client, prefix))!.meta.manifest.buildId).toBe(live);
    const stillServing = await openEngine(config, { embedder });
    expect(stillServing.buildId).toBe(live);
    expect((await stillServing.answer('How many air missions has the coalition flown?')).quotes[0].source.publisher).toBe('DW');

    const next = await buildIntoCluster(config, { embedder });
    expect((await readLiveMeta(client, prefix))!.meta.manifest.buildId).toBe(next.cluster.buildId);
    // The killed build's half-written indexes are gone; live and previous remain.
    const names = (await client.cat.indices({ index: `${prefix}-*`, format: 'json', h: 'index' })).map((r) => r.index as string);
    expect(new Set(names.map((n) => n.split('-').slice(-2).join('-'))).size).toBe(2);
    const answer = await (await openEngine(config, { embedder })).answer('How many air missions has the coalition flown?');
    expect(comparable(answer)).toBe(comparable(await local.answer('How many air missions has the coalition flown?')));
  });

  it('refuses to replace a build of another model or dimension, saying to run --full', async () => {
    const index = await loadIndex(config.indexDir, embedder.info);
    const other = { ...index, manifest: { ...index.manifest, buildId: 'other-model', embedding: { ...index.manifest.embedding, model: 'Xenova/bge-small-en-v1.5', dim: 768 } } };
    await expect(writeBuild(client, config.elasticsearch, other)).rejects.toThrow(/npm run build-index -- --full/);
    await expect(ElasticsearchSource.open(config, { model: 'Xenova/e5-small-v2', quantized: true })).rejects.toThrow(/npm run build-index -- --full/);
    expect((await client.indices.exists({ index: `${prefix}-articles-other-model` }))).toBe(false);
    expect(Object.keys(await client.indices.getAlias({ name: aliasName(prefix, 'articles') }))[0]).not.toContain('other-model');
  });
});

describe.skipIf(!cluster)('Elasticsearch store (SQuAD subset)', () => {
  const prefix = `test-squad-${process.pid}`;
  let client: Client;
  afterAll(async () => {
    await client?.indices.delete({ index: `${prefix}-*`, ignore_unavailable: true }).catch(() => {});
    await client?.close();
  });

  it(`scores ${SQUAD_PARAGRAPHS} SQuAD paragraphs' questions within 0.005 of the local store on every figure`, async () => {
    const embedder = await sharedEmbedder();
    client = new Client({ nodes: cluster!.nodeUrls });
    const paragraphs = evenSample(readSquadDocs(SQUAD).flatMap((d) => d.paragraphs), SQUAD_PARAGRAPHS);
    const config = testConfig({
      INDEX_DIR: tempDir('verbatim-es-squad-'),
      VECTOR_STORE: 'elasticsearch',
      ELASTICSEARCH_URL: cluster!.url,
      ELASTICSEARCH_INDEX_PREFIX: prefix,
      ELASTICSEARCH_REPLICAS: '0',
    });
    await buildIntoCluster(config, { embedder, articles: paragraphs.map((p) => p.article) });
    const local = await openEngine({ ...config, vectorStore: 'local' }, { embedder });
    const remote = await openEngine(config, { embedder });
    const questions = paragraphs.flatMap((p) => p.questions);
    const [l, r] = [(await evaluate(local, questions, DEFAULT_TUNING)).metrics, (await evaluate(remote, questions, DEFAULT_TUNING)).metrics];
    for (const key of ['firstQuoteHit', 'citationHit', 'hitAt3', 'recallAt1', 'recallAt5', 'mrr', 'falseAbstentionRate', 'rightAnswerLostRate'] as const) {
      expect(Math.abs(r[key] - l[key]), key).toBeLessThanOrEqual(0.005);
    }
    await (remote.store as ElasticsearchSource).close();
  });
});

describe('Elasticsearch store without a cluster', () => {
  it('names ELASTICSEARCH_URL in one line when the cluster cannot be reached at start', async () => {
    const config = testConfig({ VECTOR_STORE: 'elasticsearch', ELASTICSEARCH_URL: 'http://127.0.0.1:9', INDEX_DIR: tempDir('verbatim-es-none-') });
    const error = await ElasticsearchSource.open(config, { model: 'Xenova/all-MiniLM-L6-v2', quantized: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IndexError);
    expect((error as Error).message).toMatch(/^Cannot reach Elasticsearch at http:\/\/127\.0\.0\.1:9 \(ELASTICSEARCH_URL\)/);
    expect((error as Error).message.split('\n')).toHaveLength(1);
  });

  it('npm run ask exits 1 with that line and no stack trace', async () => {
    const { code, stderr: err } = await runTsx(['scripts/ask.ts', 'Who is the Pentagon spokesman?'], {
      MODEL_DIR,
      VECTOR_STORE: 'elasticsearch',
      ELASTICSEARCH_URL: 'http://127.0.0.1:9',
      INDEX_DIR: tempDir('verbatim-es-none-'),
    });
    expect(code).toBe(1);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/Cannot reach Elasticsearch at .*ELASTICSEARCH_URL/);
  });
});
