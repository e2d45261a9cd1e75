/**
 * Text → unit vectors with `@xenova/transformers` (one door: `pipeline('feature-extraction')`).
 *
 * Why the care around it: texts are sorted by length and batched so a batch pads to similar lengths
 * (padding is wasted compute); every text is cut at the model's trained limit (256 word pieces for
 * all-MiniLM-L6-v2, whose tokenizer files would let 512 through); and the model folder is read
 * locally, never the network, when `MODEL_DIR` holds it.
 *
 * How a model is used comes from its profile (`profiles.ts`), read once at load: mean or [CLS]
 * pooling, and the prefixes put before questions (`kind: 'query'`) and before everything indexed
 * (`kind: 'passage'`: sentences, passages, vocabulary words).
 */
import fs from 'node:fs';
import path from 'node:path';
import { AutoConfig, AutoTokenizer, env, FeatureExtractionPipeline, pipeline, PreTrainedModel, Tensor } from '@xenova/transformers';
import type { Config } from '../config.js';
import { profileOverrides, resolveProfile, type EmbedKind, type EmbeddingProfile, type ProfileOverrides } from './profiles.js';

export type { EmbedKind, EmbeddingProfile, Pooling } from './profiles.js';

/** The model and how it is used (its profile); recorded in the index's manifest. */
export interface EmbedderInfo extends EmbeddingProfile {
  /** Hub id, e.g. `Xenova/all-MiniLM-L6-v2`. */
  model: string;
  dim: number;
  quantized: boolean;
}

export interface EmbedderOptions {
  model: string;
  quantized: boolean;
  /** Folder of models in the Hub's layout; undefined ⇒ the Hub (and its cache). */
  modelDir?: string;
  /** Word pieces per text; default: the profile's (256 for all-MiniLM-L6-v2, its training length). */
  maxTokens?: number;
  /** Replaces parts of the model's profile (pooling, prefixes); default: the model's own (`profiles.ts`). */
  profile?: ProfileOverrides;
  /** ONNX Runtime intra-op threads; default: the runtime's (one per core). Pool workers use 1. */
  threads?: number;
}

/** Where batches of token ids are embedded when not in this thread (see `EmbedPool`). */
export interface BatchRunner {
  run(rows: number[][]): Promise<Float32Array[]>;
}

/** Texts per model run when building: on 2 cores, batch 8 is the raw runtime's fastest and pads least (`npm run bench`). */
export const DEFAULT_EMBED_BATCH = 8;

/** How texts are embedded: as questions or as indexed texts; and the batching of a build. */
export interface EmbedOptions {
  /** `query` for questions, `passage` for whatever is indexed (sentences, passages, words): decides the prefix. */
  kind: EmbedKind;
  batchSize?: number;
  onBatch?: (done: number, total: number) => void;
  /** Where batches run (an `EmbedPool`); default: this process. */
  runner?: BatchRunner;
}

/** Raised when the model cannot be loaded; the message says where it looked. */
export class ModelError extends Error {
  override name = 'ModelError';
}

/** Embeds texts into L2-normalized vectors (so cosine similarity is a dot product). */
export class Embedder {
  readonly info: EmbedderInfo;
  private readonly cache = new Map<string, Float32Array>();
  /** Questions whose vectors are kept (LRU); the eval raises it to cover a whole question set. */
  cacheSize = 1000;
  /** This model on one thread (`singleThreaded`), loaded on first use. */
  private single?: Promise<Embedder>;

  private constructor(
    private readonly extractor: FeatureExtractionPipeline,
    info: EmbedderInfo,
    /** What it was loaded with: a twin on other threads loads the same model the same way. */
    private readonly options: EmbedderOptions,
  ) {
    this.info = info;
  }

  /** ONNX Runtime intra-op threads of its session; undefined: the runtime's default (one per core). */
  get threads(): number | undefined {
    return this.options.threads;
  }

  /**
   * Loads the model once; reuse the instance.
   *
   * @example
   * const embedder = await Embedder.load({ model: 'Xenova/all-MiniLM-L6-v2', quantized: true, modelDir: '../shared/models' });
   * const [v] = await embedder.embed(['Kerry met ministers in Brussels.'], { kind: 'passage' }); // Float32Array(384), |v| = 1
   */
  static async load(options: EmbedderOptions): Promise<Embedder> {
    const profile = resolveProfile(options.model, options.profile);
    const maxTokens = options.maxTokens ?? profile.maxTokens;
    if (options.modelDir) {
      const dir = path.resolve(options.modelDir);
      const weights = path.join(dir, options.model, 'onnx', options.quantized ? 'model_quantized.onnx' : 'model.onnx');
      if (!fs.existsSync(weights)) {
        throw new ModelError(
          `Model not found: ${weights} is missing. Set MODEL_DIR to a folder holding ${options.model} in the Hugging Face Hub layout, or unset it to download from the Hub.`,
        );
      }
      env.localModelPath = dir + path.sep;
      env.allowLocalModels = true;
      env.allowRemoteModels = false;
    } else {
      env.allowRemoteModels = true;
    }
    let extractor: FeatureExtractionPipeline;
    try {
      extractor =
        options.threads && options.modelDir
          ? await pipelineOnThreads(options.model, path.resolve(options.modelDir), options.quantized, options.threads)
          : ((await pipeline('feature-extraction', options.model, { quantized: options.quantized })) as FeatureExtractionPipeline);
      // From the Hub: the pipeline downloads the model, then its session is replaced by one on `threads`.
      if (options.threads && !options.modelDir) await useThreads(extractor, modelFile(env.cacheDir, options.model, options.quantized), options.threads);
    } catch (e) {
      throw new ModelError(`Could not load the embedding model ${options.model}: ${(e as Error).message}`);
    }
    // Cap what the pipeline's own tokenizer call lets through (it truncates at model_max_length).
    (extractor.tokenizer as unknown as { model_max_length: number }).model_max_length = maxTokens;
    const probe = await extractor(['probe'], { pooling: 'mean', normalize: true });
    const dim = probe.dims[probe.dims.length - 1];
    return new Embedder(extractor, { model: options.model, dim, quantized: options.quantized, ...profile, maxTokens }, options);
  }

  /**
   * The same model, profile and length cap on one ONNX Runtime thread: itself when it already runs on
   * one, else a twin loaded once. What an engine with a reader embeds questions with: each ONNX Runtime
   * session has its own thread pool, whose threads spin for a while after a run, so a question
   * embedder on every core leaves the reader, which runs right after it, fighting for them (1.7× slower
   * on 2 cores); one thread embeds a question of a dozen word pieces as fast.
   *
   * @example
   * const questions = await embedder.singleThreaded(); // questions.threads === 1
   */
  singleThreaded(): Promise<Embedder> {
    if (this.options.threads === 1) return Promise.resolve(this);
    if (!this.single) {
      this.single = Embedder.load({ ...this.options, threads: 1 }).then((twin) => {
        twin.cacheSize = this.cacheSize;
        return twin;
      });
      this.single.catch(() => (this.single = undefined));
    }
    return this.single;
  }

  /**
   * Loads the model the configuration names (EMBEDDING_MODEL, EMBEDDING_QUANTIZED, MODEL_DIR), with the
   * profile overrides it sets (EMBEDDING_POOLING, EMBEDDING_QUERY_PREFIX, EMBEDDING_PASSAGE_PREFIX).
   *
   * @example
   * const embedder = await Embedder.forConfig(loadConfig());
   * const questions = await Embedder.forConfig(loadConfig(), { threads: 1 });
   */
  static forConfig(
    config: Pick<Config, 'embeddingModel' | 'quantized' | 'modelDir' | 'embeddingPooling' | 'embeddingQueryPrefix' | 'embeddingPassagePrefix'>,
    options: Pick<EmbedderOptions, 'threads'> = {},
  ): Promise<Embedder> {
    return Embedder.load({ model: config.embeddingModel, quantized: config.quantized, modelDir: config.modelDir, profile: profileOverrides(config), ...options });
  }

  /**
   * What an `EmbedPool` needs to start workers that embed exactly as this embedder does (same model,
   * pooling and length cap; prefixes are applied here, before the token ids reach a worker).
   *
   * @example
   * const pool = await EmbedPool.open(embedder.poolOptions(config.modelDir), 2);
   */
  poolOptions(modelDir: string | undefined): EmbedderOptions {
    const { model, quantized, maxTokens, pooling, queryPrefix, passagePrefix } = this.info;
    return { model, quantized, modelDir, maxTokens, profile: { pooling, queryPrefix, passagePrefix } };
  }

  /**
   * The text the model sees for `text` of this kind: with the profile's prefix in front.
   *
   * @example
   * e5.prefixed('Who won?', 'query'); // 'query: Who won?'
   */
  prefixed(text: string, kind: EmbedKind): string {
    const prefix = kind === 'query' ? this.info.queryPrefix : this.info.passagePrefix;
    return prefix + text;
  }

  /**
   * Word pieces the prefix of this kind adds to every text (0 without one).
   *
   * @example
   * e5.prefixTokens('passage'); // 2 ('passage', ':')
   */
  prefixTokens(kind: EmbedKind): number {
    const prefix = kind === 'query' ? this.info.queryPrefix : this.info.passagePrefix;
    return prefix ? this.countTokens(prefix) - this.countTokens('') : 0;
  }

  /**
   * Counts the word pieces of a text, special tokens included, prefix excluded (uncut).
   *
   * @example
   * embedder.countTokens('Hello world'); // 4 ([CLS] hello world [SEP])
   */
  countTokens(text: string): number {
    return (this.extractor.tokenizer as unknown as { encode(t: string): number[] }).encode(text).length;
  }

  /**
   * Token ids with [CLS]/[SEP], cut to `maxTokens` keeping the final [SEP], as sentence-transformers does
   * (transformers.js's own truncation drops it).
   */
  private encode(text: string): number[] {
    const ids = (this.extractor.tokenizer as unknown as { encode(t: string): number[] }).encode(text);
    const max = this.info.maxTokens;
    return ids.length <= max ? ids : [...ids.slice(0, max - 1), ids[ids.length - 1]];
  }

  /**
   * Embeds many texts in batches of similar length (sorted by word pieces, so little padding is
   * computed); results keep the input order. Each text gets the prefix of its kind first. Tokenizer
   * and model are called directly and the pooling is done here: the pipeline's own cost ~65% of the
   * model's time (`npm run bench`).
   *
   * @example
   * const vectors = await embedder.embed(sentences, { kind: 'passage', onBatch: (done, total) => bar.update(done) });
   * const [q] = await embedder.embed(['Who won?'], { kind: 'query' });
   */
  async embed(texts: string[], options: EmbedOptions): Promise<Float32Array[]> {
    const batchSize = options.batchSize ?? DEFAULT_EMBED_BATCH;
    // Each text is tokenized once: its ids give the sort order and fill the batch tensors.
    const encoded = texts.map((t) => this.encode(this.prefixed(t, options.kind)));
    const order = texts.map((_, i) => i).sort((a, b) => encoded[a].length - encoded[b].length);
    const out = new Array<Float32Array>(texts.length);
    const runner = options.runner ?? { run: (rows: number[][]) => this.embedTokenized(rows) };
    let done = 0;
    const batches: Promise<void>[] = [];
    for (let i = 0; i < order.length; i += batchSize) {
      const rows = order.slice(i, i + batchSize);
      // With a pool, every batch is handed out at once and the workers take them in turn.
      const batch = runner.run(rows.map((j) => encoded[j])).then((vectors) => {
        rows.forEach((j, r) => (out[j] = vectors[r]));
        done += rows.length;
        options.onBatch?.(done, texts.length);
      });
      if (options.runner) batches.push(batch);
      else await batch;
    }
    await Promise.all(batches);
    return out;
  }

  /**
   * Embeds one batch of token ids (each with [CLS]/[SEP] and any prefix, at most `maxTokens`), padded
   * to the longest, pooled as the profile says.
   *
   * @example
   * const [v] = await embedder.embedTokenized([[101, 7592, 102]]);
   */
  async embedTokenized(rows: number[][]): Promise<Float32Array[]> {
    const { model } = this.extractor as unknown as {
      model: (inputs: Record<string, Tensor>) => Promise<{ last_hidden_state: { dims: number[]; data: Float32Array } }>;
    };
    const pad = BigInt((this.extractor.tokenizer as unknown as { pad_token_id?: number }).pad_token_id ?? 0);
    const length = Math.max(...rows.map((r) => r.length));
    const ids = new BigInt64Array(rows.length * length).fill(pad);
    const mask = new BigInt64Array(rows.length * length);
    rows.forEach((row, r) =>
      row.forEach((id, t) => {
        ids[r * length + t] = BigInt(id);
        mask[r * length + t] = 1n;
      }),
    );
    const shape = [rows.length, length];
    const { last_hidden_state: hidden } = await model({
      input_ids: new Tensor('int64', ids, shape),
      attention_mask: new Tensor('int64', mask, shape),
      token_type_ids: new Tensor('int64', new BigInt64Array(ids.length), shape),
    });
    const dim = hidden.dims[2];
    const pool = this.info.pooling === 'cls' ? clsPool : meanPool;
    return rows.map((_, r) => pool(hidden.data, mask, r, length, dim));
  }

  /**
   * Embeds one question (with the query prefix), with a small cache: a repeated question costs no model run.
   *
   * @example
   * const q = await embedder.embedQuery('Who is the Pentagon spokesman?');
   */
  async embedQuery(text: string): Promise<Float32Array> {
    return (await this.embedCached([text], 'query'))[0];
  }

  /**
   * Embeds short texts (a question, its words) through the LRU cache; only the misses run the model,
   * in one batch. A word compared with the index's vocabulary is a `passage`, as the build embedded those.
   *
   * @example
   * const [a, b] = await embedder.embedCached(['pledge', 'allegiance'], 'passage');
   */
  async embedCached(texts: string[], kind: EmbedKind): Promise<Float32Array[]> {
    const key = (t: string) => `${kind}\u0000${t}`;
    const missing = [...new Set(texts.filter((t) => !this.cache.has(key(t))))];
    const fresh = missing.length ? await this.embed(missing, { kind }) : [];
    missing.forEach((t, i) => this.cache.set(key(t), fresh[i]));
    const out = texts.map((t) => {
      const v = this.cache.get(key(t)) as Float32Array;
      this.cache.delete(key(t));
      this.cache.set(key(t), v); // refresh its place in the LRU order
      return v;
    });
    while (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
    return out;
  }
}

/** The ONNX file of a model in the Hub's layout under `root`. */
function modelFile(root: string, model: string, quantized: boolean): string {
  return path.join(root, model, 'onnx', quantized ? 'model_quantized.onnx' : 'model.onnx');
}

/** An ONNX Runtime session of `file` with `threads` intra-op threads. */
async function sessionOnThreads(file: string, threads: number): Promise<unknown> {
  const { InferenceSession } = await import('onnxruntime-node');
  return InferenceSession.create(file, { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1 });
}

/**
 * The feature-extraction pipeline of a local model, its session created with `threads` intra-op
 * threads: transformers.js creates sessions with the runtime's defaults and no way to pass options,
 * and a session it made and we replaced would hold its memory (40 MB for MiniLM) until a garbage
 * collection that may never come. Every embedding model here is an encoder, which transformers.js's
 * base model class runs as its own would.
 */
async function pipelineOnThreads(model: string, root: string, quantized: boolean, threads: number): Promise<FeatureExtractionPipeline> {
  const [tokenizer, config, session] = await Promise.all([
    AutoTokenizer.from_pretrained(model),
    AutoConfig.from_pretrained(model),
    sessionOnThreads(modelFile(root, model, quantized), threads),
  ]);
  const encoder = new PreTrainedModel(config, session);
  return new FeatureExtractionPipeline({ task: 'feature-extraction', model: encoder, tokenizer });
}

/** Gives a pipeline's model a session on `threads` (a model from the Hub, once the pipeline has downloaded it). */
async function useThreads(extractor: FeatureExtractionPipeline, file: string, threads: number): Promise<void> {
  (extractor.model as unknown as { session: unknown }).session = await sessionOnThreads(file, threads);
}

/** Row `r`'s first token ([CLS]) vector, L2-normalised (BGE's pooling). */
function clsPool(data: Float32Array, _mask: ArrayLike<number | bigint>, r: number, length: number, dim: number): Float32Array {
  const off = r * length * dim;
  const v = data.slice(off, off + dim);
  let norm = 0;
  for (let d = 0; d < dim; d++) norm += v[d] * v[d];
  const inv = 1 / Math.sqrt(norm || 1);
  for (let d = 0; d < dim; d++) v[d] *= inv;
  return v;
}

/** Mean of row `r`'s token vectors over its attention mask, L2-normalised (sentence-transformers' pooling). */
function meanPool(data: Float32Array, mask: ArrayLike<number | bigint>, r: number, length: number, dim: number): Float32Array {
  const v = new Float32Array(dim);
  for (let t = 0; t < length; t++) {
    if (Number(mask[r * length + t]) === 0) continue;
    const off = (r * length + t) * dim;
    for (let d = 0; d < dim; d++) v[d] += data[off + d];
  }
  let norm = 0;
  for (let d = 0; d < dim; d++) norm += v[d] * v[d];
  const inv = 1 / Math.sqrt(norm || 1);
  for (let d = 0; d < dim; d++) v[d] *= inv;
  return v;
}
