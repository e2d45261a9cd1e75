/**
 * The index on disk: one folder per build under `<INDEX_DIR>/builds/`, and `<INDEX_DIR>/current`, a
 * symbolic link to the live build. A build is written completely, then `current` is switched with one
 * atomic rename; a crash mid-build leaves at most an unreferenced folder, never a half index that loads.
 *
 * ```
 * index/current -> builds/20261122-053000-ab12
 * index/builds/<id>/manifest.json    format, model id/dim/quantization/profile, counts, HNSW parameters
 * index/builds/<id>/articles.json    cleaned articles with sentence and passage offsets
 * index/builds/<id>/{sentences,passages}.f32   unit vectors, row-major float32
 * index/builds/<id>/{sentences,passages}.hnsw  hnswlib graphs over the same vectors
 * index/builds/<id>/lexical.json     MiniSearch (BM25) over passages + document frequencies
 * index/builds/<id>/vocabulary.{json,f32}  every content word of the corpus and its vector (for soft word coverage)
 * index/builds/<id>/sentence-terms.{json,u32}  every sentence's index terms as ids (for lexical matching at query time)
 * index/builds/<id>/{sentence,passage}-labels.u32  each vector's label in its graph (graphs are updated in place)
 * ```
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Article, Passage, Sentence } from '../types.js';
import type { EmbedderInfo } from '../embed/embedder.js';
import { describeProfile, sameProfile, type EmbeddingProfile } from '../embed/profiles.js';
import type { HnswParams } from './vector-store.js';

/** Bump when the layout or meaning of the files changes; older indexes are then rebuilt. */
export const INDEX_FORMAT = 3;
/** Formats whose articles and vectors a new build may reuse (3 added the sentence term table and graph labels). */
export const REUSABLE_FORMATS: readonly number[] = [2, 3];

/** A missing, corrupted or incompatible index; the message tells the user what to run. */
export class IndexError extends Error {
  override name = 'IndexError';
}

export const manifestSchema = z.object({
  format: z.number().int(),
  buildId: z.string(),
  createdAt: z.string(),
  embedding: z.object({
    model: z.string(),
    dim: z.number().int().positive(),
    quantized: z.boolean(),
    maxTokens: z.number().int(),
    // The profile the vectors were made with. Builds from before it was recorded used mean pooling and
    // no prefixes (the only way there was), hence the defaults: such an index needs no new format.
    pooling: z.enum(['mean', 'cls']).default('mean'),
    queryPrefix: z.string().default(''),
    passagePrefix: z.string().default(''),
  }),
  hnsw: z.object({ m: z.number(), efConstruction: z.number(), efSearch: z.number() }),
  counts: z.object({ articles: z.number().int(), sentences: z.number().int(), passages: z.number().int(), words: z.number().int() }),
  cleanerVersion: z.union([z.string(), z.number()]),
  /** Byte size of every file of the build: a truncated or swapped file is caught before it is parsed. */
  sizes: z.record(z.number().int()),
  /**
   * SHA-256 of every file of the build: a file damaged in place (same size) would otherwise reach
   * hnswlib, which crashes the whole process on a corrupted graph instead of throwing. Optional so
   * that builds made before it still load.
   */
  sha256: z.record(z.string()).optional(),
  /**
   * The graphs' element counts (deleted elements included) and next unused label, when they were
   * updated in place; absent: one element per vector, labelled by its id.
   */
  graphs: z
    .object({
      sentences: z.object({ elements: z.number().int(), nextLabel: z.number().int(), churn: z.number().int() }),
      passages: z.object({ elements: z.number().int(), nextLabel: z.number().int(), churn: z.number().int() }),
    })
    .optional(),
});
export type Manifest = z.infer<typeof manifestSchema>;

/** An article as stored in the index: the cleaned article plus how it was cut. */
export interface IndexedArticle extends Article {
  sentences: Sentence[];
  passages: Passage[];
}

export const FILES = {
  manifest: 'manifest.json',
  articles: 'articles.json',
  sentenceVectors: 'sentences.f32',
  passageVectors: 'passages.f32',
  sentenceGraph: 'sentences.hnsw',
  passageGraph: 'passages.hnsw',
  lexical: 'lexical.json',
  vocabulary: 'vocabulary.json',
  vocabularyVectors: 'vocabulary.f32',
  sentenceTerms: 'sentence-terms.u32',
  sentenceLabels: 'sentence-labels.u32',
  passageLabels: 'passage-labels.u32',
  sentenceTermList: 'sentence-terms.json',
} as const;

/** `<indexDir>/current`, the link to the live build. */
export function currentLink(indexDir: string): string {
  return path.join(indexDir, 'current');
}

/**
 * The folder of the live build, resolved once so that a reader sees one build even if `current`
 * switches while it reads; throws `IndexError` when there is none.
 *
 * @example
 * resolveCurrent('index'); // '/repo/index/builds/20261122-053000-ab12'
 */
export function resolveCurrent(indexDir: string): string {
  try {
    return fs.realpathSync(currentLink(indexDir));
  } catch {
    throw new IndexError(`No index found in ${path.resolve(indexDir)}. Build it with: npm run build-index`);
  }
}

/**
 * What a reader expects of an index's vectors: the model, and how it is used when its profile is
 * given (pooling and prefixes; omitted, only the model and quantization are checked).
 */
export type ExpectedEmbedding = { model: string; quantized: boolean } & Partial<Omit<EmbeddingProfile, 'maxTokens'>>;

/**
 * Reads and checks a build's manifest against the embedding model (and profile) the caller will use.
 *
 * @example
 * const manifest = readManifest(dir, { model: 'Xenova/all-MiniLM-L6-v2', quantized: true });
 * readManifest(dir, embedder.info); // also refuses another pooling or other prefixes
 */
export function readManifest(dir: string, expected?: ExpectedEmbedding, formats: readonly number[] = [INDEX_FORMAT]): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(path.join(dir, FILES.manifest), 'utf8'));
  } catch (e) {
    throw new IndexError(`The index in ${dir} is unreadable (${(e as Error).message}). Rebuild it with: npm run build-index -- --full`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) throw new IndexError(`The index manifest in ${dir} is invalid. Rebuild it with: npm run build-index -- --full`);
  const m = parsed.data;
  if (!formats.includes(m.format)) {
    const how = REUSABLE_FORMATS.includes(m.format) ? 'npm run build-index (its vectors are reused: nothing is embedded again)' : 'npm run build-index -- --full';
    throw new IndexError(`The index in ${dir} has format ${m.format}; this version reads format ${INDEX_FORMAT}. Rebuild it with: ${how}`);
  }
  for (const [file, size] of Object.entries(m.sizes)) {
    let actual = -1;
    try {
      actual = fs.statSync(path.join(dir, file)).size;
    } catch {
      /* missing */
    }
    if (actual !== size) {
      throw new IndexError(
        `The index in ${dir} is corrupted: ${file} ${actual < 0 ? 'is missing' : `has ${actual} bytes, expected ${size}`}. Rebuild it with: npm run build-index -- --full`,
      );
    }
  }
  for (const [file, digest] of Object.entries(m.sha256 ?? {})) {
    if (fileDigest(path.join(dir, file)) !== digest) {
      throw new IndexError(`The index in ${dir} is corrupted: ${file} does not match its checksum. Rebuild it with: npm run build-index -- --full`);
    }
  }
  if (expected && (m.embedding.model !== expected.model || m.embedding.quantized !== expected.quantized)) {
    throw new IndexError(
      `The index was built with ${describeModel(m.embedding)} but the configuration asks for ${describeModel(expected)}. ` +
        'Rebuild it with: npm run build-index -- --full (or set EMBEDDING_MODEL / EMBEDDING_QUANTIZED to match the index).',
    );
  }
  if (expected?.pooling !== undefined || expected?.queryPrefix !== undefined || expected?.passagePrefix !== undefined) {
    const wanted = {
      pooling: expected.pooling ?? m.embedding.pooling,
      queryPrefix: expected.queryPrefix ?? m.embedding.queryPrefix,
      passagePrefix: expected.passagePrefix ?? m.embedding.passagePrefix,
    };
    if (!sameProfile(m.embedding, wanted)) {
      throw new IndexError(
        `The index was built with ${m.embedding.model} used with ${describeProfile(m.embedding)}, but the configuration uses it with ${describeProfile(wanted)}. ` +
          'Rebuild it with: npm run build-index -- --full (or set EMBEDDING_POOLING / EMBEDDING_QUERY_PREFIX / EMBEDDING_PASSAGE_PREFIX to match the index).',
      );
    }
  }
  return m;
}

/** SHA-256 (hex) of a file's bytes, as stored in the manifest's `sha256`, e.g. `fileDigest('index/current/sentences.hnsw')`. */
export function fileDigest(file: string): string {
  // In 1 MiB pieces: hashing a 100 MB index must not hold 100 MB more in memory.
  const hash = crypto.createHash('sha256');
  const chunk = Buffer.allocUnsafe(1 << 20);
  const fd = fs.openSync(file, 'r');
  try {
    for (let n = fs.readSync(fd, chunk, 0, chunk.length, null); n > 0; n = fs.readSync(fd, chunk, 0, chunk.length, null)) {
      hash.update(chunk.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

function describeModel(e: { model: string; quantized: boolean }): string {
  return `${e.model} (${e.quantized ? 'int8' : 'fp32'})`;
}

/** Writes vectors as one row-major float32 file. */
export function writeVectors(file: string, vectors: Float32Array[], dim: number): void {
  const buf = new Float32Array(vectors.length * dim);
  vectors.forEach((v, i) => buf.set(v, i * dim));
  fs.writeFileSync(file, Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
}

/**
 * Reads a row-major float32 file, checking it holds exactly `count` vectors of `dim`.
 *
 * @example
 * const flat = readVectors('index/current/sentences.f32', 12_345, 384); // Float32Array(12_345 * 384)
 */
export function readVectors(file: string, count: number, dim: number): Float32Array {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    throw new IndexError(`${file} is missing. Rebuild the index with: npm run build-index -- --full`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size !== count * dim * 4) {
      throw new IndexError(`${file} is truncated or corrupted (${size} bytes, expected ${count * dim * 4}). Rebuild the index with: npm run build-index -- --full`);
    }
    // Read straight into the vectors' memory: no second copy of the file (it would stay in RSS).
    const out = new Float32Array(count * dim);
    const bytes = new Uint8Array(out.buffer);
    for (let done = 0; done < size; ) {
      const n = fs.readSync(fd, bytes, done, Math.min(size - done, 1 << 26), done);
      if (n === 0) throw new IndexError(`${file} ended early. Rebuild the index with: npm run build-index -- --full`);
      done += n;
    }
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes a little-endian uint32 array file (graph labels). */
export function writeUint32(file: string, values: Uint32Array): void {
  fs.writeFileSync(file, Buffer.from(values.buffer, values.byteOffset, values.byteLength));
}

/**
 * Reads a uint32 file written by `writeUint32`, checking it holds exactly `count` values.
 *
 * @example
 * const labels = readUint32('index/current/sentence-labels.u32', manifest.counts.sentences);
 */
export function readUint32(file: string, count: number): Uint32Array {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    throw new IndexError(`${file} is missing. Rebuild the index with: npm run build-index -- --full`);
  }
  if (bytes.byteLength !== count * 4) {
    throw new IndexError(`${file} is truncated or corrupted (${bytes.byteLength} bytes, expected ${count * 4}). Rebuild the index with: npm run build-index -- --full`);
  }
  return new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Reads a JSON file of the index, turning any failure into an `IndexError`. */
export function readJson<T>(file: string): T {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw new IndexError(`${file} is unreadable (${(e as Error).message}). Rebuild the index with: npm run build-index -- --full`);
  }
}

/** Points `current` at a finished build with one atomic rename of a fresh link. */
export function switchCurrent(indexDir: string, buildDir: string): void {
  const link = currentLink(indexDir);
  const tmp = `${link}.${process.pid}.tmp`;
  fs.rmSync(tmp, { force: true });
  fs.symlinkSync(path.relative(indexDir, buildDir), tmp);
  fs.renameSync(tmp, link);
}

/** Removes builds other than the current one and the `keep` newest (readers may still hold them). */
export function pruneBuilds(indexDir: string, keep = 1): void {
  const builds = path.join(indexDir, 'builds');
  if (!fs.existsSync(builds)) return;
  let live = '';
  try {
    live = fs.realpathSync(currentLink(indexDir));
  } catch {
    /* no current build */
  }
  const dirs = fs
    .readdirSync(builds)
    .map((d) => path.join(builds, d))
    .filter((d) => fs.realpathSync(d) !== live)
    .sort()
    .reverse();
  for (const d of dirs.slice(keep)) fs.rmSync(d, { recursive: true, force: true });
}

export type { EmbedderInfo, HnswParams };

/** Unit vectors stored as int8 with one scale per vector: a quarter of the memory, dot error < 0.01. */
export interface Int8Vectors {
  dim: number;
  codes: Int8Array;
  scales: Float32Array;
}

/**
 * Reads a row-major float32 file (as `readVectors` checks it) into int8 codes, a block of rows at a time,
 * for vectors only compared approximately (the vocabulary's).
 *
 * @example
 * const words = readVectorsInt8('index/current/vocabulary.f32', 27_000, 384);
 * dotInt8(question, 0, words, 12); // ≈ cosine of question row 0 with word 12
 */
export function readVectorsInt8(file: string, count: number, dim: number): Int8Vectors {
  const out: Int8Vectors = { dim, codes: new Int8Array(count * dim), scales: new Float32Array(count) };
  const block = 4096;
  for (let from = 0; from < count; from += block) {
    const rows = Math.min(block, count - from);
    const part = readVectorRows(file, count, dim, from, rows);
    for (let r = 0; r < rows; r++) {
      let max = 0;
      for (let d = 0; d < dim; d++) max = Math.max(max, Math.abs(part[r * dim + d]));
      const scale = max / 127 || 1;
      out.scales[from + r] = scale;
      for (let d = 0; d < dim; d++) out.codes[(from + r) * dim + d] = Math.round(part[r * dim + d] / scale);
    }
  }
  return out;
}

/** Rows `from … from + rows` of a vector file whose size was checked to hold `count` vectors. */
function readVectorRows(file: string, count: number, dim: number, from: number, rows: number): Float32Array {
  const fd = fs.openSync(file, 'r');
  try {
    if (fs.fstatSync(fd).size !== count * dim * 4) {
      throw new IndexError(`${file} is truncated or corrupted. Rebuild the index with: npm run build-index -- --full`);
    }
    const out = new Float32Array(rows * dim);
    const n = fs.readSync(fd, new Uint8Array(out.buffer), 0, out.byteLength, from * dim * 4);
    if (n !== out.byteLength) throw new IndexError(`${file} ended early. Rebuild the index with: npm run build-index -- --full`);
    return out;
  } catch (e) {
    if (e instanceof IndexError) throw e;
    throw new IndexError(`${file} is missing or unreadable. Rebuild the index with: npm run build-index -- --full`);
  } finally {
    fs.closeSync(fd);
  }
}

/** Dot product of row `ra` of a float32 array with int8 vector `rb`. */
export function dotInt8(a: Float32Array, ra: number, b: Int8Vectors, rb: number): number {
  const { dim, codes } = b;
  const oa = ra * dim;
  const ob = rb * dim;
  let s = 0;
  for (let i = 0; i < dim; i++) s += a[oa + i] * codes[ob + i];
  return s * b.scales[rb];
}

/** Sentences and passages as `[start, end]` pairs: a third of the size of objects in JSON. */
export function compactArticle(a: IndexedArticle): unknown {
  return { ...a, sentences: a.sentences.map((s) => [s.start, s.end]), passages: a.passages.map((p) => [p.first, p.last]) };
}

/** Reads `articles.json` back into `IndexedArticle`s. */
export function expandArticles(raw: unknown): IndexedArticle[] {
  if (!Array.isArray(raw)) throw new IndexError('articles.json is not a list. Rebuild the index with: npm run build-index -- --full');
  type Stored = Omit<IndexedArticle, 'sentences' | 'passages'> & { sentences: [number, number][]; passages: [number, number][] };
  return (raw as Stored[]).map((a) => ({
    ...a,
    sentences: a.sentences.map(([start, end]) => ({ start, end })),
    passages: a.passages.map(([first, last]) => ({ first, last })),
  }));
}
