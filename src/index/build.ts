/**
 * Builds the index from the corpus: read and clean articles, cut sentences and passages, embed what
 * changed, write HNSW + BM25 + manifest to a fresh folder and switch `current` to it atomically.
 *
 * Incremental by default: an article whose content hash is unchanged keeps its stored vectors, so only
 * new or edited articles are embedded; removed articles are simply not carried over.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { Embedder, type EmbedderInfo } from '../embed/embedder.js';
import { defaultPoolSize, EmbedPool } from '../embed/pool.js';
import { readCorpus, CLEANER_VERSION } from '../ingest/index.js';
import { splitSentences } from '../text/sentences.js';
import { contentWords } from '../text/terms.js';
import { packPassages, passageBody, passageText } from '../text/passages.js';
import type { Article } from '../types.js';
import {
  fileDigest,
  FILES,
  INDEX_FORMAT,
  REUSABLE_FORMATS,
  IndexError,
  pruneBuilds,
  readJson,
  readManifest,
  readUint32,
  readVectors,
  resolveCurrent,
  switchCurrent,
  writeVectors,
  writeUint32,
  compactArticle,
  expandArticles,
  type IndexedArticle,
  type Manifest,
} from './format.js';
import { LexicalStore } from './lexical.js';
import { writeGraph, type PreviousGraph } from './graphs.js';
import { SentenceTermTable } from './sentence-terms.js';
import { DEFAULT_HNSW, type HnswParams } from './vector-store.js';

export interface BuildOptions {
  /** Re-embed everything, ignoring the previous index. */
  full?: boolean;
  /** Corpus folder; defaults to `config.corpusDir`. */
  corpusDir?: string;
  /** An already loaded embedder (the bench and tests share one). */
  embedder?: Embedder;
  hnsw?: HnswParams;
  /** Called as work advances: phase name, units done, units in all. */
  onProgress?: (phase: 'embed' | 'index', done: number, total: number) => void;
  /** Articles to index instead of reading `corpusDir` (the SQuAD eval builds its corpus this way). */
  articles?: Article[];
  /** Embed on worker threads when at least this many texts are new (default `POOL_MIN_TEXTS`). */
  poolMinTexts?: number;
}

/**
 * Builds with this many texts to embed use the worker pool (`EmbedPool`, one session per core); for
 * fewer, the workers' start-up (about a second each, in parallel) costs more than it saves.
 */
export const POOL_MIN_TEXTS = 4000;

export interface BuildSummary {
  buildId: string;
  articles: number;
  sentences: number;
  passages: number;
  /** Articles whose vectors were computed in this build. */
  embeddedArticles: number;
  /** Articles whose vectors were reused from the previous build. */
  reusedArticles: number;
  /** Articles of the previous build no longer in the corpus. */
  removedArticles: number;
  /** Sentences + passages + new vocabulary words embedded in this build. */
  embeddedTexts: number;
  skipped: { file: string; reason: string }[];
  notes: { file: string; note: string }[];
  seconds: number;
  embedSeconds: number;
  /** Embedded texts per second of embedding (0 when nothing was embedded). */
  textsPerSecond: number;
  /** Whether the HNSW graphs were updated in place (few changes) or rebuilt from all vectors. */
  graphs: 'updated' | 'rebuilt';
  /** Worker processes that embedded (1: none, the main thread). */
  embedWorkers: number;
}

interface Reusable {
  article: IndexedArticle;
  sentenceVectors: Float32Array[];
  passageVectors: Float32Array[];
  /** The vectors' labels in the previous build's graphs (absent before format 3). */
  sentenceLabels?: number[];
  passageLabels?: number[];
}

interface Previous {
  articles: Map<string, Reusable>;
  /** The previous build's graphs, when they can be updated in place. */
  graphs?: { sentences: PreviousGraph; passages: PreviousGraph };
}

/**
 * Builds (or incrementally updates) the index in `config.indexDir`.
 *
 * @example
 * const summary = await buildIndex(loadConfig());
 * console.log(`${summary.articles} articles, ${summary.embeddedArticles} embedded`);
 */
export async function buildIndex(config: Config, options: BuildOptions = {}): Promise<BuildSummary> {
  const t0 = performance.now();
  const indexDir = path.resolve(config.indexDir);
  fs.mkdirSync(path.join(indexDir, 'builds'), { recursive: true });
  const release = acquireLock(indexDir);
  try {
    const embedder =
      options.embedder ??
      (await Embedder.forConfig(config));
    const info = embedder.info;
    const corpus = options.articles
      ? { articles: options.articles, skipped: [], notes: [] }
      : await readCorpus(options.corpusDir ?? config.corpusDir);

    const ids = new Set<string>();
    for (const a of corpus.articles) {
      if (ids.has(a.id)) throw new Error(`Two articles have the id "${a.id}": ids must be unique (readCorpus keeps one per file).`);
      ids.add(a.id);
    }
    const previous: Previous = options.full ? { articles: new Map() } : loadReusable(indexDir, info);
    const liveIds = new Set(corpus.articles.map((a) => a.id));
    const removedArticles = [...previous.articles.values()].filter((r) => !liveIds.has(r.article.id)).length;

    // Cut every article; collect the texts that need embedding.
    const indexed: IndexedArticle[] = [];
    const pending: { article: number; kind: 's' | 'p'; slot: number; text: string }[] = [];
    const sentenceVecs: Float32Array[][] = [];
    const passageVecs: Float32Array[][] = [];
    // Graph labels of reused vectors (undefined: a new vector), so the graphs can be updated in place.
    const sentenceKept: (number | undefined)[][] = [];
    const passageKept: (number | undefined)[][] = [];
    let reusedArticles = 0;
    for (const article of corpus.articles) {
      const old = previous.articles.get(article.id);
      if (old && old.article.hash === article.hash) {
        indexed.push({ ...old.article, ...article, sentences: old.article.sentences, passages: old.article.passages });
        sentenceVecs.push(old.sentenceVectors);
        passageVecs.push(old.passageVectors);
        sentenceKept.push(old.sentenceLabels ?? unlabelled(old.sentenceVectors.length));
        passageKept.push(old.passageLabels ?? unlabelled(old.passageVectors.length));
        reusedArticles++;
        continue;
      }
      const sentences = splitSentences(article.text);
      if (sentences.length === 0) {
        corpus.skipped.push({ file: article.file, reason: 'no sentences left after cleaning' });
        continue;
      }
      // Room for the title in front of every passage, and for the model's passage prefix, if any.
      const prefix = (article.title ? embedder.countTokens(article.title) : 0) + embedder.prefixTokens('passage');
      const passages = packPassages(article.text, sentences, (s) => embedder.countTokens(s), prefix);
      const a = indexed.push({ ...article, sentences, passages }) - 1;
      sentenceVecs.push(new Array(sentences.length));
      passageVecs.push(new Array(passages.length));
      sentenceKept.push(unlabelled(sentences.length));
      passageKept.push(unlabelled(passages.length));
      sentences.forEach((s, slot) => pending.push({ article: a, kind: 's', slot, text: article.text.slice(s.start, s.end) }));
      passages.forEach((p, slot) => pending.push({ article: a, kind: 'p', slot, text: passageText(article.title, article.text, sentences, p) }));
    }

    // Every content word gets a vector too: the abstention check compares question words with them
    // (embedded as passages, like everything indexed; the question's unknown words are too, see coverage.ts).
    const vocabulary = [...new Set(indexed.flatMap((a) => contentWords(`${a.title}\n${a.text}`)))].sort();
    const oldWords = options.full ? new Map<string, Float32Array>() : loadVocabulary(indexDir, info);
    const newWords = vocabulary.filter((w) => !oldWords.has(w));

    const te = performance.now();
    const texts = [...pending.map((p) => p.text), ...newWords];
    const workers = config.embedWorkers ?? defaultPoolSize();
    let pool: EmbedPool | undefined;
    if (workers > 1 && texts.length >= (options.poolMinTexts ?? POOL_MIN_TEXTS)) {
      try {
        pool = await EmbedPool.open(embedder.poolOptions(config.modelDir), workers);
      } catch (e) {
        // The workers are a speed-up, not a requirement: embed here and say why.
        corpus.notes.push({ file: '(embedding)', note: `${(e as Error).message}; embedding in this process instead` });
      }
    }
    let vectors: Float32Array[];
    try {
      vectors = await embedder.embed(texts, { kind: 'passage', onBatch: (done, total) => options.onProgress?.('embed', done, total), runner: pool });
    } finally {
      await pool?.close();
    }
    const embedSeconds = (performance.now() - te) / 1000;
    pending.forEach((p, i) => ((p.kind === 's' ? sentenceVecs : passageVecs)[p.article][p.slot] = vectors[i]));
    newWords.forEach((w, i) => oldWords.set(w, vectors[pending.length + i]));
    const vocabularyVectors = vocabulary.map((w) => oldWords.get(w) as Float32Array);

    const allSentences = sentenceVecs.flat();
    const allPassages = passageVecs.flat();
    const hnsw = options.hnsw ?? DEFAULT_HNSW;
    const buildId = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${crypto.randomBytes(3).toString('hex')}`;
    const tmpDir = path.join(indexDir, 'builds', `.tmp-${buildId}`);
    fs.mkdirSync(tmpDir, { recursive: true });
    let graphsUpdated = false;
    try {
      writeVectors(path.join(tmpDir, FILES.sentenceVectors), allSentences, info.dim);
      writeVectors(path.join(tmpDir, FILES.passageVectors), allPassages, info.dim);
      writeVectors(path.join(tmpDir, FILES.vocabularyVectors), vocabularyVectors, info.dim);
      fs.writeFileSync(path.join(tmpDir, FILES.vocabulary), JSON.stringify(vocabulary));
      options.onProgress?.('index', 0, 1);
      const graphs = {
        sentences: await writeGraph(path.join(tmpDir, FILES.sentenceGraph), allSentences, sentenceKept.flat(), previous.graphs?.sentences, info.dim, hnsw),
        passages: await writeGraph(path.join(tmpDir, FILES.passageGraph), allPassages, passageKept.flat(), previous.graphs?.passages, info.dim, hnsw),
      };
      graphsUpdated = graphs.sentences.updated && graphs.passages.updated;
      writeUint32(path.join(tmpDir, FILES.sentenceLabels), graphs.sentences.labels);
      writeUint32(path.join(tmpDir, FILES.passageLabels), graphs.passages.labels);
      const lexicalDocs = indexed.flatMap((a) =>
        a.passages.map((p) => ({ title: a.title, text: passageBody(a.text, a.sentences, p) })),
      );
      const lexical = LexicalStore.build(lexicalDocs.map((d, id) => ({ id, ...d })));
      fs.writeFileSync(path.join(tmpDir, FILES.lexical), JSON.stringify(lexical.toJSON()));
      fs.writeFileSync(path.join(tmpDir, FILES.articles), JSON.stringify(indexed.map(compactArticle)));
      SentenceTermTable.build(indexed.flatMap((a) => a.sentences.map((s) => a.text.slice(s.start, s.end)))).write(
        path.join(tmpDir, FILES.sentenceTerms),
        path.join(tmpDir, FILES.sentenceTermList),
      );
      const manifest: Manifest = {
        format: INDEX_FORMAT,
        buildId,
        createdAt: new Date().toISOString(),
        embedding: info,
        hnsw,
        counts: { articles: indexed.length, sentences: allSentences.length, passages: allPassages.length, words: vocabulary.length },
        cleanerVersion: CLEANER_VERSION,
        graphs: {
          sentences: { elements: graphs.sentences.elements, nextLabel: graphs.sentences.nextLabel, churn: graphs.sentences.churn },
          passages: { elements: graphs.passages.elements, nextLabel: graphs.passages.nextLabel, churn: graphs.passages.churn },
        },
        sizes: Object.fromEntries(fs.readdirSync(tmpDir).map((f) => [f, fs.statSync(path.join(tmpDir, f)).size])),
        sha256: Object.fromEntries(fs.readdirSync(tmpDir).map((f) => [f, fileDigest(path.join(tmpDir, f))])),
      };
      // The manifest goes last: a folder without one is never a build.
      fs.writeFileSync(path.join(tmpDir, FILES.manifest), JSON.stringify(manifest, null, 2));
      const finalDir = path.join(indexDir, 'builds', buildId);
      fs.renameSync(tmpDir, finalDir);
      switchCurrent(indexDir, finalDir);
    } catch (e) {
      fs.rmSync(tmpDir, { recursive: true, force: true });
      throw e;
    }
    pruneBuilds(indexDir);
    options.onProgress?.('index', 1, 1);

    return {
      buildId,
      articles: indexed.length,
      sentences: allSentences.length,
      passages: allPassages.length,
      embeddedArticles: indexed.length - reusedArticles,
      reusedArticles,
      removedArticles,
      embeddedTexts: pending.length + newWords.length,
      skipped: corpus.skipped,
      notes: corpus.notes,
      seconds: (performance.now() - t0) / 1000,
      embedSeconds,
      textsPerSecond: pending.length + newWords.length > 0 ? (pending.length + newWords.length) / embedSeconds : 0,
      graphs: graphsUpdated ? 'updated' : 'rebuilt',
      embedWorkers: pool?.size ?? 1,
    };
  } finally {
    release();
  }
}

/** `n` vectors with no previous label (real `undefined`s: `flat()` would drop the holes of `new Array(n)`). */
function unlabelled(n: number): undefined[] {
  return new Array<undefined>(n).fill(undefined);
}

/**
 * The previous build's articles, vectors and graphs, when it was made with the same model and profile; else
 * nothing. Its graphs are offered for an in-place update only when its labels are known (format 3).
 */
function loadReusable(indexDir: string, info: EmbedderInfo): Previous {
  const out = new Map<string, Reusable>();
  try {
    const dir = resolveCurrent(indexDir);
    const m = readManifest(dir, info, REUSABLE_FORMATS);
    if (m.embedding.dim !== info.dim) return { articles: out };
    const articles = expandArticles(readJson(path.join(dir, FILES.articles)));
    const sv = readVectors(path.join(dir, FILES.sentenceVectors), m.counts.sentences, info.dim);
    const pv = readVectors(path.join(dir, FILES.passageVectors), m.counts.passages, info.dim);
    const labelled = FILES.sentenceLabels in m.sizes && FILES.passageLabels in m.sizes;
    const sl = labelled ? readUint32(path.join(dir, FILES.sentenceLabels), m.counts.sentences) : undefined;
    const pl = labelled ? readUint32(path.join(dir, FILES.passageLabels), m.counts.passages) : undefined;
    let s = 0;
    let p = 0;
    for (const a of articles) {
      const rows = (flat: Float32Array, from: number, n: number) =>
        Array.from({ length: n }, (_, i) => flat.slice((from + i) * info.dim, (from + i + 1) * info.dim));
      out.set(a.id, {
        article: a,
        sentenceVectors: rows(sv, s, a.sentences.length),
        passageVectors: rows(pv, p, a.passages.length),
        sentenceLabels: sl && [...sl.subarray(s, s + a.sentences.length)],
        passageLabels: pl && [...pl.subarray(p, p + a.passages.length)],
      });
      s += a.sentences.length;
      p += a.passages.length;
    }
    if (!sl || !pl) return { articles: out };
    const graph = (file: string, labels: Uint32Array, state: { elements: number; nextLabel: number; churn: number } | undefined): PreviousGraph => ({
      file: path.join(dir, file),
      params: m.hnsw,
      labels,
      elements: state?.elements ?? labels.length,
      nextLabel: state?.nextLabel ?? labels.length,
      churn: state?.churn ?? 0,
    });
    return {
      articles: out,
      graphs: { sentences: graph(FILES.sentenceGraph, sl, m.graphs?.sentences), passages: graph(FILES.passageGraph, pl, m.graphs?.passages) },
    };
  } catch {
    // No usable previous index (missing, corrupted, other model): everything is embedded afresh.
    return { articles: new Map() };
  }
}

/** The previous build's word vectors, when it was made with the same model and profile; else none. */
function loadVocabulary(indexDir: string, info: EmbedderInfo): Map<string, Float32Array> {
  try {
    const dir = resolveCurrent(indexDir);
    const m = readManifest(dir, info, REUSABLE_FORMATS);
    const words = readJson<string[]>(path.join(dir, FILES.vocabulary));
    const flat = readVectors(path.join(dir, FILES.vocabularyVectors), m.counts.words, info.dim);
    return new Map(words.map((w, i) => [w, flat.slice(i * info.dim, (i + 1) * info.dim)]));
  } catch {
    return new Map();
  }
}

/** One build at a time per index folder: a lock file holding the builder's pid. */
function acquireLock(indexDir: string): () => void {
  const lock = path.join(indexDir, '.build.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lock, { force: true });
    } catch {
      const pid = Number(fs.readFileSync(lock, 'utf8'));
      if (pid && isAlive(pid)) {
        throw new IndexError(`Another build (pid ${pid}) is writing ${indexDir}; wait for it to finish.`);
      }
      fs.rmSync(lock, { force: true }); // stale lock from a crashed build
    }
  }
  throw new IndexError(`Could not lock ${indexDir} for building.`);
}

/**
 * Whether a process with this pid is running (signal 0 tests without sending anything).
 *
 * @example
 * isAlive(process.pid); // true
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
