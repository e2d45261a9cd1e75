/**
 * Incremental builds into the real cluster (test/support/elasticsearch.ts): after an article is
 * changed, one removed and one added, the next build clones the live indexes and writes only those
 * articles' documents and the terms and words they touch; the result holds exactly what a full build
 * holds, and answers every seed question as the local store does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine, type Engine } from '../../src/answer/engine.js';
import type { Config } from '../../src/config.js';
import { readQuestions } from '../../src/eval/datasets.js';
import { FILES, readJson } from '../../src/index/format.js';
import { loadIndex, type LoadedIndex } from '../../src/index/load.js';
import { buildIntoCluster, mirrorToCluster } from '../../src/index/elasticsearch/build.js';
import { aliasName, KINDS } from '../../src/index/elasticsearch/layout.js';
import type { ElasticsearchSource } from '../../src/index/elasticsearch/source.js';
import type { Embedder } from '../../src/embed/embedder.js';
import { esCluster } from '../support/elasticsearch.js';
import { BBC, SEED_CORPUS, copyCorpus, sharedEmbedder, tempDir, testConfig } from '../support/env.js';

const cluster = await esCluster();

/** An answer without timings and without the store's own sentence ids (they differ once ids are carried). */
function comparable(answer: object): string {
  return JSON.stringify(answer, (key, value: unknown) => (key === 'ms' || key === 'timings' || key === 'sentenceId' ? undefined : value));
}

describe.skipIf(!cluster)('Elasticsearch incremental builds', () => {
  const prefix = `test-incr-${process.pid}`;
  const fullPrefix = `test-incr-full-${process.pid}`;
  let embedder: Embedder;
  let config: Config;
  let client: Client;
  let corpus: string;
  let first: Awaited<ReturnType<typeof buildIntoCluster>>;
  let second: Awaited<ReturnType<typeof buildIntoCluster>>;
  const engines: Engine[] = [];
  /** Sentences and passages per article id, after the first build. */
  let firstCuts: Map<string, [number, number]>;
  const cutsById = (index: LoadedIndex) => new Map(index.articles.map((a) => [a.id, [a.sentences.length, a.passages.length] as [number, number]]));

  beforeAll(async () => {
    embedder = await sharedEmbedder();
    corpus = copyCorpus(SEED_CORPUS, fs.readdirSync(SEED_CORPUS));
    for (const f of ['business/001.txt', 'business/002.txt', 'sport/001.txt']) fs.copyFileSync(path.join(BBC, f), path.join(corpus, f.replace('/', '-')));
    config = testConfig({
      CORPUS_DIR: corpus,
      INDEX_DIR: tempDir('verbatim-es-incr-'),
      VECTOR_STORE: 'elasticsearch',
      ELASTICSEARCH_URL: cluster!.url,
      ELASTICSEARCH_INDEX_PREFIX: prefix,
      ELASTICSEARCH_REPLICAS: '1',
    });
    client = new Client({ nodes: cluster!.nodeUrls });
    first = await buildIntoCluster(config, { embedder });
    firstCuts = cutsById(await loadIndex(config.indexDir, embedder.info));

    // One article changed, one removed, one added.
    fs.appendFileSync(path.join(corpus, 'business-002.txt'), '\n\nThe firm said it would open 40 new shops in Scotland by 2027.\n');
    fs.rmSync(path.join(corpus, '004_ed9ed68ace92ce3f.txt'));
    fs.copyFileSync(path.join(BBC, 'tech/001.txt'), path.join(corpus, 'tech-001.txt'));
    second = await buildIntoCluster(config, { embedder });
  });
  afterAll(async () => {
    for (const e of engines) await (e.store as ElasticsearchSource).close?.();
    await client?.indices.delete({ index: [`${prefix}-*`, `${fullPrefix}-*`], ignore_unavailable: true }).catch(() => {});
    await client?.close();
  });

  it('writes only the changed, removed and added articles (and what they touch) into a clone of the live build', async () => {
    expect(first.cluster.carried).toBe(false);
    expect(second.cluster.carried).toBe(true);
    expect(second.local.embeddedArticles).toBe(2);
    expect(second.cluster.articles).toEqual({ written: 2, removed: 1 });
    // Article documents: 2 written, 1 deleted; sentences and passages: the new ones of the changed and
    // added articles, and deletions of the old ones of the changed and removed articles.
    const now = cutsById(await loadIndex(config.indexDir, embedder.info));
    const ids = [...now.keys()];
    const changed = ids.find((id) => id.includes('business-002'))!;
    const added = ids.find((id) => id.includes('tech-001'))!;
    const removed = [...firstCuts.keys()].find((id) => id.includes('004_'))!;
    const expected = (k: 0 | 1) => now.get(changed)![k] + now.get(added)![k] + firstCuts.get(changed)![k] + firstCuts.get(removed)![k];
    expect(second.cluster.byKind).toMatchObject({ articles: 3, sentences: expected(0), passages: expected(1) });
    expect(second.cluster.documents).toBeLessThan(first.cluster.documents);
    expect(second.cluster.previous).toBe(first.cluster.buildId);
  });

  it('holds exactly the documents a full build of the same corpus holds (counts, term frequencies, word vectors)', async () => {
    const index = await loadIndex(config.indexDir, embedder.info);
    await mirrorToCluster(config, index, fullPrefix);
    const count = async (p: string, kind: (typeof KINDS)[number]) => (await client.count({ index: aliasName(p, kind) })).count;
    for (const kind of KINDS) expect(await count(prefix, kind), kind).toBe(await count(fullPrefix, kind));
    expect(await count(prefix, 'sentences')).toBe(index.manifest.counts.sentences);
    expect(await count(prefix, 'articles')).toBe(index.articles.length);

    // Every term and word document, side by side with the full build's.
    const mini = JSON.parse(readJson<{ minisearch: string }>(path.join(index.dir, FILES.lexical)).minisearch) as { index: [string, unknown][] };
    const ids = [...mini.index.map(([t]) => `t:${t}`), ...[...index.vocabulary.keys()].map((w) => `w:${w}`)];
    expect(ids.length).toBe(await count(prefix, 'terms'));
    const differing: string[] = [];
    for (let from = 0; from < ids.length; from += 1000) {
      const chunk = ids.slice(from, from + 1000);
      const [a, b] = await Promise.all([prefix, fullPrefix].map((p) => client.mget({ index: aliasName(p, 'terms'), ids: chunk })));
      chunk.forEach((id, i) => {
        const [x, y] = [a.docs[i], b.docs[i]] as { found?: boolean; _source?: unknown }[];
        if (!x.found || JSON.stringify(x._source) !== JSON.stringify(y._source)) differing.push(id);
      });
    }
    expect(differing).toEqual([]);
  });

  it('answers every seed question as the local store does; quotes resolve to their context', async () => {
    const local = await openEngine({ ...config, vectorStore: 'local' }, { embedder });
    const remote = await openEngine(config, { embedder });
    engines.push(remote);
    expect(remote.buildId).toBe(second.cluster.buildId);
    const questions = [...readQuestions('../shared/eval/seed-questions.jsonl'), ...readQuestions('eval/seed-unanswerable.jsonl')];
    const differing: string[] = [];
    let quotes = 0;
    for (const q of questions) {
      const [a, b] = [await local.answer(q.question), await remote.answer(q.question)];
      if (comparable(a) !== comparable(b)) differing.push(`${q.id} ${q.question}`);
      // The store's own sentence ids lead to the same context as the local ids.
      for (const [i, quote] of b.quotes.entries()) {
        quotes++;
        expect(await remote.context(quote.sentenceId, 1)).toEqual(await local.context(a.quotes[i].sentenceId, 1));
      }
    }
    expect(differing).toEqual([]);
    expect(quotes).toBeGreaterThan(20);
    // The added article answers; the removed one is gone from the sources.
    const byId = (list: { id: string }[]) => [...list].sort((x, y) => (x.id < y.id ? -1 : 1));
    expect(byId(await remote.sources())).toEqual(byId(await local.sources()));
    expect((await remote.sources()).some((s) => s.file === '004_ed9ed68ace92ce3f.txt')).toBe(false);
  });

  it('writes nothing but the new build id when nothing changed', async () => {
    const third = await buildIntoCluster(config, { embedder });
    expect(third.cluster.carried).toBe(true);
    expect(third.cluster.articles).toEqual({ written: 0, removed: 0 });
    expect(third.cluster.documents).toBe(0);
  });
});
