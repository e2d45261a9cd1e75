import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildIndex } from '../../src/index/build.js';
import { loadIndex } from '../../src/index/load.js';
import { IndexError, resolveCurrent } from '../../src/index/format.js';
import { openEngine } from '../../src/answer/engine.js';
import { ensureIndex, indexBuildReason } from '../../src/cli/ensure-index.js';
import type { Embedder } from '../../src/embed/embedder.js';
import { BBC, copyCorpus, SEED_CORPUS, sharedEmbedder, tempDir, testConfig } from '../support/env.js';

const MODEL = { model: 'Xenova/all-MiniLM-L6-v2', quantized: true };
let embedder: Embedder;
beforeAll(async () => {
  embedder = await sharedEmbedder();
});

describe('building the seed corpus', () => {
  const indexDir = tempDir('verbatim-index-');
  const config = testConfig({ CORPUS_DIR: SEED_CORPUS, INDEX_DIR: indexDir });

  it('writes a manifest naming the model, and sentences/passages with exact offsets', async () => {
    const summary = await buildIndex(config, { embedder });
    expect(summary.articles).toBe(5);
    expect(summary.embeddedArticles).toBe(5);
    const index = await loadIndex(indexDir, MODEL);
    expect(index.manifest.embedding).toMatchObject({ model: 'Xenova/all-MiniLM-L6-v2', dim: 384, quantized: true, maxTokens: 256 });
    expect(index.manifest.counts).toMatchObject({ articles: 5, sentences: summary.sentences, passages: summary.passages });
    expect(index.manifest.counts.words).toBeGreaterThan(500);
    for (const a of index.articles) {
      expect(a.sentences.length).toBeGreaterThan(3);
      for (const s of a.sentences) {
        const text = a.text.slice(s.start, s.end);
        expect(text.length).toBeGreaterThan(0);
        expect(text).toBe(text.trim());
      }
      // Passages tile the sentences: whole sentences, in order, none skipped.
      expect(a.passages[0].first).toBe(0);
      expect(a.passages[a.passages.length - 1].last).toBe(a.sentences.length);
      a.passages.forEach((p, i) => i > 0 && expect(p.first).toBe(a.passages[i - 1].last));
    }
    // Passages stay within the model's 256 word pieces, title included.
    for (const a of index.articles) {
      for (const p of a.passages) {
        const body = a.text.slice(a.sentences[p.first].start, a.sentences[p.last - 1].end);
        const tokens = embedder.countTokens(`${a.title}. ${body}`);
        if (p.last - p.first > 1) expect(tokens).toBeLessThanOrEqual(256);
      }
    }
    // The stored vectors are the model's, unit length.
    const v = index.sentenceVectors.subarray(0, 384);
    expect(Math.hypot(...v)).toBeCloseTo(1, 3);
  });

  it('refuses an index built with another model, saying what to run', async () => {
    await expect(loadIndex(indexDir, { model: 'Xenova/all-MiniLM-L6-v2', quantized: false })).rejects.toThrow(/int8.*fp32.*build-index/s);
    await expect(loadIndex(indexDir, { model: 'Xenova/other-model', quantized: true })).rejects.toBeInstanceOf(IndexError);
  });

  it('reports a missing index with the command to build it', async () => {
    const empty = tempDir();
    await expect(loadIndex(empty, MODEL)).rejects.toThrow(/npm run build-index/);
    await expect(openEngine(testConfig({ INDEX_DIR: empty }), { embedder })).rejects.toBeInstanceOf(IndexError);
  });

  it('detects truncated and corrupted files instead of loading them', async () => {
    const copy = tempDir();
    fs.cpSync(resolveCurrent(indexDir), path.join(copy, 'builds', 'b1'), { recursive: true });
    fs.symlinkSync('builds/b1', path.join(copy, 'current'));
    const graph = path.join(copy, 'builds', 'b1', 'sentences.hnsw');
    fs.truncateSync(graph, Math.floor(fs.statSync(graph).size / 2));
    await expect(loadIndex(copy, MODEL)).rejects.toThrow(/sentences\.hnsw.*Rebuild/s);
    fs.writeFileSync(path.join(copy, 'builds', 'b1', 'manifest.json'), '{ not json');
    await expect(loadIndex(copy, MODEL)).rejects.toThrow(/unreadable.*build-index/s);
  });

  it('a build that crashes midway leaves the previous index live and loadable', async () => {
    const before = resolveCurrent(indexDir);
    const crash = buildIndex(config, {
      embedder,
      full: true,
      onProgress: (phase) => {
        if (phase === 'index') throw new Error('simulated crash while writing');
      },
    });
    await expect(crash).rejects.toThrow(/simulated crash/);
    expect(resolveCurrent(indexDir)).toBe(before);
    expect(fs.readdirSync(path.join(indexDir, 'builds')).filter((d) => d.startsWith('.tmp'))).toEqual([]);
    const index = await loadIndex(indexDir, MODEL);
    expect(index.articles).toHaveLength(5);
  });

  it('switches readers to a rebuilt index atomically (old build kept for readers holding it)', async () => {
    const before = resolveCurrent(indexDir);
    await buildIndex(config, { embedder, full: true });
    const after = resolveCurrent(indexDir);
    expect(after).not.toBe(before);
    expect(fs.existsSync(before)).toBe(true); // the previous build survives one more build
  });
});

describe('incremental rebuilds', () => {
  const files = ['business/001.txt', 'business/002.txt', 'politics/001.txt', 'sport/001.txt', 'tech/001.txt', 'entertainment/001.txt'];
  const moreFiles = ['business/003.txt', 'politics/002.txt', 'sport/002.txt', 'tech/002.txt', 'entertainment/002.txt', 'politics/003.txt'];

  it('re-embeds only the changed article, drops removed ones, and --full re-embeds all', async () => {
    // Twelve articles, so that one edit and one removal stay under the graphs' churn limit (a fifth).
    const corpus = copyCorpus(BBC, [...files, ...moreFiles]);
    const indexDir = tempDir('verbatim-index-');
    const config = testConfig({ CORPUS_DIR: corpus, INDEX_DIR: indexDir });
    const first = await buildIndex(config, { embedder });
    expect(first).toMatchObject({ articles: 12, embeddedArticles: 12, reusedArticles: 0, graphs: 'rebuilt' });

    const edited = path.join(corpus, 'entertainment/001.txt');
    fs.appendFileSync(edited, '\nThe company added a zeppelin fleet to its delivery network last week.\n');
    const second = await buildIndex(config, { embedder });
    expect(second).toMatchObject({ articles: 12, embeddedArticles: 1, reusedArticles: 11, removedArticles: 0, graphs: 'updated' });
    const engine = await openEngine(config, { embedder });
    const answer = await engine.answer('What did the company add to its delivery network?');
    expect(answer.quotes[0].text).toContain('zeppelin');

    fs.rmSync(path.join(corpus, 'sport/001.txt'));
    const third = await buildIndex(config, { embedder });
    expect(third).toMatchObject({ articles: 11, embeddedArticles: 0, reusedArticles: 11, removedArticles: 1, graphs: 'updated' });
    const index = await loadIndex(indexDir, MODEL);
    expect(index.articles.map((a) => a.id)).not.toContain('sport/001');
    // The graphs were updated in place: old vectors are deleted elements, never returned; every
    // remaining vector is found first for itself, under its new id.
    expect(index.manifest.graphs!.sentences.elements).toBeGreaterThan(index.manifest.counts.sentences);
    await expectGraphsMatchVectors(index);

    const full = await buildIndex(config, { embedder, full: true });
    expect(full).toMatchObject({ articles: 11, embeddedArticles: 11, reusedArticles: 0, graphs: 'rebuilt' });
  });

  it('rebuilds the graphs instead of updating them when many articles changed', async () => {
    const corpus = copyCorpus(BBC, files);
    const indexDir = tempDir('verbatim-index-');
    const config = testConfig({ CORPUS_DIR: corpus, INDEX_DIR: indexDir });
    await buildIndex(config, { embedder });
    for (const f of files.slice(0, 3)) fs.appendFileSync(path.join(corpus, f), '\nOne more closing sentence was added here.\n');
    const again = await buildIndex(config, { embedder });
    expect(again).toMatchObject({ embeddedArticles: 3, graphs: 'rebuilt' });
    const index = await loadIndex(indexDir, MODEL);
    expect(index.manifest.graphs!.sentences.elements).toBe(index.manifest.counts.sentences);
    await expectGraphsMatchVectors(index);
  });

  it('upgrades an index of the previous format: refused at load with the command, vectors reused by the build', async () => {
    const corpus = copyCorpus(BBC, files.slice(0, 3));
    const indexDir = tempDir('verbatim-index-');
    await buildIndex(testConfig({ CORPUS_DIR: corpus, INDEX_DIR: indexDir }), { embedder });
    // Turn the build into what format 2 wrote: no sentence term table, no graph labels.
    const dir = resolveCurrent(indexDir);
    const manifestFile = path.join(dir, 'manifest.json');
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    for (const f of ['sentence-terms.u32', 'sentence-terms.json', 'sentence-labels.u32', 'passage-labels.u32']) {
      fs.rmSync(path.join(dir, f));
      delete manifest.sizes[f];
      delete manifest.sha256[f];
    }
    delete manifest.graphs;
    fs.writeFileSync(manifestFile, JSON.stringify({ ...manifest, format: 2 }));
    await expect(loadIndex(indexDir, MODEL)).rejects.toThrow(/format 2.*npm run build-index \(its vectors are reused/s);
    // `ask` and `start` upgrade it by themselves, from the articles it holds (not from CORPUS_DIR, which
    // here names another folder), embedding nothing; an index of another model is left to loading's message.
    const config = testConfig({ CORPUS_DIR: SEED_CORPUS, INDEX_DIR: indexDir });
    expect(indexBuildReason(indexDir, { ...config, embeddingModel: 'Xenova/other-model' })).toBeUndefined();
    expect(indexBuildReason(indexDir, config)).toBe('upgrade');
    const said: string[] = [];
    await ensureIndex(config, (line) => said.push(line));
    expect(said.join('\n')).toMatch(/older format: upgrading[\s\S]*Embedded 0 new or changed[\s\S]*reused 3/);
    expect(indexBuildReason(indexDir, config)).toBeUndefined();
    const upgraded = await loadIndex(indexDir, MODEL);
    expect(upgraded.articles.map((a) => a.id).sort()).toEqual(files.slice(0, 3).map((f) => f.replace(/\.txt$/, '')).sort());
    expect(upgraded.sentenceTerms.sentences).toBe(upgraded.manifest.counts.sentences);
  });

  it('refuses two articles with one id instead of indexing one of them twice', async () => {
    const config = testConfig({ CORPUS_DIR: SEED_CORPUS, INDEX_DIR: tempDir('verbatim-index-') });
    const article = { id: 'a', file: 'a.txt', title: 'A', publisher: '', date: '', url: '', text: 'One sentence here. Another one there.', hash: 'h' };
    await expect(buildIndex(config, { embedder, articles: [article, { ...article }] })).rejects.toThrow(/Two articles have the id "a"/);
  });
});

/** Every stored vector's nearest neighbour in both graphs is itself, under its current global id. */
async function expectGraphsMatchVectors(index: Awaited<ReturnType<typeof loadIndex>>): Promise<void> {
  const dim = index.manifest.embedding.dim;
  for (const [store, flat, count] of [
    [index.sentenceStore, index.sentenceVectors, index.manifest.counts.sentences],
    [index.passageStore, index.passageVectors, index.manifest.counts.passages],
  ] as const) {
    expect(store.size).toBe(count);
    for (let id = 0; id < count; id++) {
      const hits = await store.search(flat.subarray(id * dim, (id + 1) * dim), 3);
      expect(hits.every((h) => h.id >= 0 && h.id < count)).toBe(true);
      // Identical vectors (a repeated sentence) may come first in either order.
      expect(hits[0].id === id || hits[0].score > 0.9999).toBe(true);
    }
  }
}
