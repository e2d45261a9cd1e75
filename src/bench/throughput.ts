/**
 * Indexing throughput against two peers on the same texts:
 * - the limit: ONNX Runtime (`onnxruntime-node`) run directly on the model file, inputs tokenized
 *   beforehand and sorted by token count, timing only `session.run` + mean pooling + normalization,
 *   at the best of several batch sizes;
 * - a naive peer: the `@xenova/transformers` pipeline called one text at a time.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { AutoTokenizer, env, pipeline, type FeatureExtractionPipeline, type PreTrainedTokenizer } from '@xenova/transformers';
import { DEFAULT_EMBED_BATCH, type Embedder, type Pooling } from '../embed/embedder.js';
import { forkTs, type EmbedPool } from '../embed/pool.js';
import { benchFile } from './child.js';

export interface RawModelOptions {
  /** Folder of models in the Hub's layout (`../shared/models`). */
  modelDir: string;
  /** Hub id, e.g. `Xenova/all-MiniLM-L6-v2`. */
  model: string;
  quantized: boolean;
  /** Word pieces per text, at most (the product cuts at 256). */
  maxTokens: number;
  /** Intra-op threads; default: ONNX Runtime's (one per core). */
  threads?: number;
  /** The model's pooling (its profile's); default mean. */
  pooling?: Pooling;
}

/** An ONNX Runtime session on the model file and the model's tokenizer, with nothing in between. */
export interface RawModel {
  session: ort.InferenceSession;
  tokenizer: PreTrainedTokenizer;
  file: string;
  maxTokens: number;
  pooling: Pooling;
}

/** Texts tokenized once, ready to be batched in any size. */
export interface Tokenized {
  /** Word-piece ids per text (special tokens included, cut at `maxTokens`). */
  ids: number[][];
  /** Seconds spent tokenizing (not part of the raw model timing; reported separately). */
  seconds: number;
}

export interface BatchRate {
  batchSize: number;
  seconds: number;
  textsPerSecond: number;
  /** Share of the model's input positions that were padding. */
  paddingShare: number;
}

function useLocalModels(modelDir: string): void {
  env.localModelPath = path.resolve(modelDir) + path.sep;
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
}

/**
 * Opens the model file with ONNX Runtime's defaults (the same session options transformers.js uses)
 * and the tokenizer with `AutoTokenizer`.
 *
 * @example
 * const raw = await openRawModel({ modelDir: '../shared/models', model: 'Xenova/all-MiniLM-L6-v2', quantized: true, maxTokens: 256 });
 */
export async function openRawModel(options: RawModelOptions): Promise<RawModel> {
  useLocalModels(options.modelDir);
  const file = path.resolve(options.modelDir, options.model, 'onnx', options.quantized ? 'model_quantized.onnx' : 'model.onnx');
  const session = await ort.InferenceSession.create(file, {
    executionProviders: ['cpu'],
    ...(options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}),
  });
  const tokenizer = await AutoTokenizer.from_pretrained(options.model);
  return { session, tokenizer, file, maxTokens: options.maxTokens, pooling: options.pooling ?? 'mean' };
}

/**
 * Tokenizes every text once (timed), cutting at the model's limit as the product does.
 *
 * @example
 * const tok = tokenize(raw, texts); // tok.ids[0] = [101, …, 102]
 */
export function tokenize(raw: RawModel, texts: readonly string[]): Tokenized {
  const t0 = performance.now();
  const ids = texts.map((t) => {
    const all = raw.tokenizer.encode(t);
    return all.length > raw.maxTokens ? all.slice(0, raw.maxTokens) : all;
  });
  return { ids, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Padding share when texts of these token counts are batched in `order`, `batchSize` at a time.
 *
 * @example
 * paddingShare([2, 4], [0, 1], 2); // 0.25 (the 2-token text is padded to 4)
 */
export function paddingShare(lengths: readonly number[], order: readonly number[], batchSize: number): number {
  let padded = 0;
  let real = 0;
  for (let i = 0; i < order.length; i += batchSize) {
    const rows = order.slice(i, i + batchSize).map((j) => lengths[j]);
    const max = Math.max(...rows);
    padded += max * rows.length;
    real += rows.reduce((s, n) => s + n, 0);
  }
  return padded > 0 ? 1 - real / padded : 0;
}

/**
 * Runs the raw model over pre-tokenized texts, shortest first, `batchSize` per run; the timed part is
 * tensor packing + `session.run` + pooling (the model's: mean or [CLS]) + normalization. Vectors come back in input order.
 *
 * @example
 * const { rate, vectors } = await runRaw(raw, tokenize(raw, texts), 32);
 * rate.textsPerSecond; // e.g. 310
 */
export async function runRaw(
  raw: RawModel,
  tokenized: Tokenized,
  batchSize: number,
  /** Batching order; default: by word-piece count (the least padding). */
  given?: readonly number[],
): Promise<{ rate: BatchRate; vectors: Float32Array[] }> {
  const lengths = tokenized.ids.map((x) => x.length);
  const order = given ?? lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b]);
  // Packing happens before the clock starts: the limit is the model, not our array copying.
  const batches = [];
  for (let i = 0; i < order.length; i += batchSize) {
    const rows = order.slice(i, i + batchSize);
    const len = Math.max(...rows.map((j) => lengths[j]));
    const ids = new BigInt64Array(rows.length * len);
    const mask = new BigInt64Array(rows.length * len);
    rows.forEach((j, r) => {
      tokenized.ids[j].forEach((id, c) => {
        ids[r * len + c] = BigInt(id);
        mask[r * len + c] = 1n;
      });
    });
    batches.push({ rows, len, ids, mask, types: new BigInt64Array(rows.length * len) });
  }
  const vectors = new Array<Float32Array>(order.length);
  const output = raw.session.outputNames[0];
  const t0 = performance.now();
  for (const b of batches) {
    const dims = [b.rows.length, b.len];
    const result = await raw.session.run({
      input_ids: new ort.Tensor('int64', b.ids, dims),
      attention_mask: new ort.Tensor('int64', b.mask, dims),
      token_type_ids: new ort.Tensor('int64', b.types, dims),
    });
    const hidden = result[output].data as Float32Array;
    const dim = result[output].dims[2];
    b.rows.forEach((j, r) => {
      const v = new Float32Array(dim);
      const n = raw.pooling === 'cls' ? 1 : lengths[j];
      for (let t = 0; t < n; t++) {
        const off = (r * b.len + t) * dim;
        for (let d = 0; d < dim; d++) v[d] += hidden[off + d];
      }
      let norm = 0;
      for (let d = 0; d < dim; d++) norm += v[d] * v[d];
      const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0; // mean then normalize = sum then normalize
      for (let d = 0; d < dim; d++) v[d] *= inv;
      vectors[j] = v;
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    rate: { batchSize, seconds, textsPerSecond: order.length / seconds, paddingShare: paddingShare(lengths, order, batchSize) },
    vectors,
  };
}

/**
 * The product's embedder on the same texts (tokenization included, as in a build).
 *
 * @example
 * const rate = await measureProduct(embedder, texts); // { batchSize: 32, textsPerSecond: 280, … }
 */
export async function measureProduct(
  embedder: Embedder,
  texts: string[],
  lengths: readonly number[],
  batchSize = DEFAULT_EMBED_BATCH,
): Promise<{ rate: BatchRate; vectors: Float32Array[] }> {
  const t0 = performance.now();
  const vectors = await embedder.embed(texts, { kind: 'passage', batchSize });
  const seconds = (performance.now() - t0) / 1000;
  // The product sorts by word pieces: its padding comes from that order.
  const order = texts.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b]);
  return { rate: { batchSize, seconds, textsPerSecond: texts.length / seconds, paddingShare: paddingShare(lengths, order, batchSize) }, vectors };
}

/**
 * The naive peer's pipeline: a fresh `feature-extraction` pipeline, as a tutorial would create it.
 *
 * @example
 * const extractor = await openNaive({ modelDir: '../shared/models', model: 'Xenova/all-MiniLM-L6-v2', quantized: true });
 */
export async function openNaive(options: Omit<RawModelOptions, 'maxTokens'>): Promise<FeatureExtractionPipeline> {
  useLocalModels(options.modelDir);
  const extractor = (await pipeline('feature-extraction', options.model, { quantized: options.quantized })) as FeatureExtractionPipeline;
  await extractor('warm up', { pooling: options.pooling ?? 'mean', normalize: true });
  return extractor;
}

/**
 * The naive peer at work: the pipeline called once per text (no batching). Texts per second on the
 * texts given, and their vectors.
 *
 * @example
 * const { rate } = await runNaive(extractor, sample); // rate.textsPerSecond ≈ 250
 */
export async function runNaive(
  extractor: FeatureExtractionPipeline,
  texts: readonly string[],
  pooling: Pooling = 'mean',
): Promise<{ rate: BatchRate; vectors: Float32Array[] }> {
  const vectors: Float32Array[] = [];
  const t0 = performance.now();
  for (const t of texts) vectors.push((await extractor(t, { pooling, normalize: true })).data as Float32Array);
  const seconds = (performance.now() - t0) / 1000;
  return { rate: { batchSize: 1, seconds, textsPerSecond: texts.length / seconds, paddingShare: 0 }, vectors };
}

export interface Comparison {
  texts: number;
  meanTokens: number;
  rounds: number;
  tokenize: { seconds: number; textsPerSecond: number };
  /** Best round per batch size. */
  raw: BatchRate[];
  rawBest: BatchRate;
  /** Raw best plus the tokenization it skipped. */
  rawPlusTokenizeTextsPerSecond: number;
  /** Product embedder, best round per batch size (32 is its default). */
  product: BatchRate[];
  productDefault: BatchRate;
  /** Worker processes (one single-threaded session each) of the parallel rows; 1: none measured. */
  processes: number;
  /** Raw ONNX Runtime, `processes` one-thread sessions side by side (batch 8). */
  rawParallel?: BatchRate;
  /** The product embedder handing its batches to an `EmbedPool` of `processes` workers (as large builds do). */
  productPool?: BatchRate;
  /** What the bench's build ran: the pool when it used one, else the default batch in this process. */
  productBuild: BatchRate;
  naive: BatchRate & { texts: number };
  /** Product (default batch) vs raw run on the product's own batches: the same computation. */
  productVsRawCosine: { min: number; mean: number };
  /** Product (batched) vs the same texts embedded alone: int8 dynamic quantization depends on the batch. */
  batchedVsAloneCosine: { min: number; mean: number };
}

/**
 * Compares the product embedder, raw ONNX Runtime (each batch size) and the naive pipeline on the
 * same texts, in interleaved rounds (the best round of each counts: other work shares the CPU).
 *
 * @example
 * const c = await compareThroughput({ embedder, raw, naive }, texts, { rounds: 3, batchSizes: [8, 16, 32, 64], naiveTexts: 100 });
 * c.productDefault.textsPerSecond / c.rawBest.textsPerSecond; // the ratio to the limit
 */
export async function compareThroughput(
  models: { embedder: Embedder; raw: RawModel; naive: FeatureExtractionPipeline; pool?: EmbedPool; rawOptions?: RawModelOptions },
  texts: string[],
  options: {
    rounds: number;
    batchSizes: number[];
    naiveTexts: number;
    productBatchSizes?: number[];
    /** Whether the bench's build embedded on the pool (builds of fewer than 4,000 texts do not). */
    buildUsesPool?: boolean;
    onRound?: (round: number) => void;
  },
): Promise<Comparison> {
  // Raw and naive peers see what the product's model sees: the texts with the model's passage prefix.
  const modelTexts = texts.map((t) => models.embedder.prefixed(t, 'passage'));
  const tok = tokenize(models.raw, modelTexts);
  const lengths = tok.ids.map((x) => x.length);
  const productSizes = [...new Set([DEFAULT_EMBED_BATCH, ...(options.productBatchSizes ?? options.batchSizes)])];
  const naiveIdx = Array.from({ length: Math.min(options.naiveTexts, texts.length) }, (_, i) => Math.floor((i * texts.length) / Math.min(options.naiveTexts, texts.length)));
  const naiveTexts = naiveIdx.map((i) => modelTexts[i]);
  const best = new Map<string, BatchRate>();
  const keep = (key: string, r: BatchRate) => {
    const old = best.get(key);
    if (!old || r.textsPerSecond > old.textsPerSecond) best.set(key, r);
  };
  let productVectors: Float32Array[] = [];
  let naiveVectors: Float32Array[] = [];
  await runRaw(models.raw, tokenize(models.raw, modelTexts.slice(0, 16)), 16); // warm up
  const processes = models.pool?.size ?? 1;
  const parallel = models.pool && models.rawOptions ? await openParallelRaw(models.rawOptions, tok, processes, DEFAULT_EMBED_BATCH) : undefined;
  try {
    if (models.pool) await models.embedder.embed(texts.slice(0, 64), { kind: 'passage', runner: models.pool }); // warm up
    for (let round = 0; round < options.rounds; round++) {
      if (parallel) keep('rawParallel', await parallel.run());
      if (models.pool) {
        const t0 = performance.now();
        await models.embedder.embed(texts, { kind: 'passage', runner: models.pool });
        const seconds = (performance.now() - t0) / 1000;
        const order = texts.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b]);
        keep('productPool', { batchSize: DEFAULT_EMBED_BATCH, seconds, textsPerSecond: texts.length / seconds, paddingShare: paddingShare(lengths, order, DEFAULT_EMBED_BATCH) });
      }
      for (const b of options.batchSizes) {
        keep(`raw${b}`, (await runRaw(models.raw, tok, b)).rate);
      }
      for (const b of productSizes) {
        const p = await measureProduct(models.embedder, texts, lengths, b);
        keep(`product${b}`, p.rate);
        if (b === DEFAULT_EMBED_BATCH) productVectors = p.vectors;
      }
      const n = await runNaive(models.naive, naiveTexts, models.embedder.info.pooling);
      keep('naive', n.rate);
      naiveVectors = n.vectors;
      options.onRound?.(round + 1);
    }
  } finally {
    parallel?.close();
  }
  // The product's own batches (sorted by word pieces), run raw: the same computation, so ≈ 1.
  const productOrder = texts.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b]);
  const rawAtDefault = (await runRaw(models.raw, tok, DEFAULT_EMBED_BATCH, productOrder)).vectors;
  const raw = options.batchSizes.map((b) => best.get(`raw${b}`) as BatchRate);
  const rawParallel = best.get('rawParallel');
  // The limit is the best way to run the raw model on this machine, parallel or not.
  const rawBest = [...raw, ...(rawParallel ? [rawParallel] : [])].reduce((a, b) => (b.textsPerSecond > a.textsPerSecond ? b : a));
  const productDefault = best.get(`product${DEFAULT_EMBED_BATCH}`) as BatchRate;
  const productPool = best.get('productPool');
  return {
    texts: texts.length,
    meanTokens: lengths.reduce((s, x) => s + x, 0) / lengths.length,
    rounds: options.rounds,
    tokenize: { seconds: tok.seconds, textsPerSecond: texts.length / tok.seconds },
    raw,
    rawBest,
    rawPlusTokenizeTextsPerSecond: texts.length / (texts.length / rawBest.textsPerSecond + tok.seconds),
    product: productSizes.map((b) => best.get(`product${b}`) as BatchRate),
    productDefault,
    processes,
    rawParallel,
    productPool,
    productBuild: options.buildUsesPool && productPool ? productPool : productDefault,
    naive: { ...(best.get('naive') as BatchRate), texts: naiveTexts.length },
    productVsRawCosine: cosines(productVectors, rawAtDefault),
    batchedVsAloneCosine: cosines(naiveIdx.map((i) => productVectors[i]), naiveVectors),
  };
}

/**
 * The raw limit with the parallelism a build uses: `processes` children, each with a one-thread ONNX
 * Runtime session, run their share of the texts (every other batch of the length-sorted order) at
 * the same moment. Texts per second = all texts ÷ the slowest child's seconds. Call `run` per round.
 *
 * @example
 * const par = await openParallelRaw(options, tok, 2, 8);
 * (await par.run()).textsPerSecond;
 * par.close();
 */
export async function openParallelRaw(
  options: RawModelOptions,
  tokenized: Tokenized,
  processes: number,
  batchSize: number,
): Promise<{ run: () => Promise<BatchRate & { texts: number }>; close: () => void }> {
  const lengths = tokenized.ids.map((x) => x.length);
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b]);
  const shares: number[][][] = Array.from({ length: processes }, () => []);
  for (let i = 0, b = 0; i < order.length; i += batchSize, b++) {
    for (const j of order.slice(i, i + batchSize)) shares[b % processes].push(tokenized.ids[j]);
  }
  const children = shares.map(() =>
    forkTs(benchFile('raw-child.ts'), { VERBATIM_RAW_OPTIONS: JSON.stringify({ ...options, threads: 1 }) }),
  );
  const next = <T>(child: ChildProcess) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (m: unknown) => (child.off('exit', onExit), child.off('error', onExit), resolve(m as T));
      const onExit = (why: unknown) => (child.off('message', onMessage), reject(new Error(`raw-child stopped: ${why instanceof Error ? why.message : `exit ${why}`}`)));
      child.once('message', onMessage);
      child.once('exit', onExit);
      child.once('error', onExit);
    });
  const close = () => children.forEach((c) => c.connected && c.disconnect());
  try {
    await Promise.all(children.map((c) => next(c)));
    await Promise.all(children.map((c, k) => (c.send({ ids: shares[k], batchSize }), next(c))));
  } catch (e) {
    close();
    throw e;
  }
  return {
    run: async () => {
      const runs = await Promise.all(children.map((c) => (c.send({ go: true }), next<{ seconds: number; texts: number }>(c))));
      const slowest = Math.max(...runs.map((r) => r.seconds));
      const texts = runs.reduce((sum, r) => sum + r.texts, 0); // what the children ran, all of them
      return { batchSize, seconds: slowest, textsPerSecond: texts / slowest, paddingShare: paddingShare(lengths, order, batchSize), texts };
    },
    close,
  };
}

/**
 * Smallest and mean cosine between two lists of unit vectors, row by row.
 *
 * @example
 * cosines([new Float32Array([1, 0])], [new Float32Array([0.6, 0.8])]); // { min: 0.6, mean: 0.6 }
 */
export function cosines(a: readonly Float32Array[], b: readonly Float32Array[]): { min: number; mean: number } {
  const n = Math.min(a.length, b.length);
  let min = 1;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < a[i].length; d++) s += a[i][d] * b[i][d];
    min = Math.min(min, s);
    sum += s;
  }
  return { min: n ? min : NaN, mean: n ? sum / n : NaN };
}
