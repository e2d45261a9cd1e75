/**
 * The reader: a cross-encoder that judges whether one sentence answers a question, trained by the
 * project (`training/`) and shipped with it (`models/verbatim-reader-minilm-l6/`, Hub layout, int8).
 * It reads `[CLS] question [SEP] sentence [SEP]` and gives one logit: above 0 means "this sentence
 * answers the question" on its own (it was trained with groups that hold no answer), so the score
 * serves both to rank sentences and to decide to abstain.
 *
 * Run with `onnxruntime-node` directly (the tokenizer comes from `@xenova/transformers`): the model
 * folder is the project's own, not `MODEL_DIR`, and transformers.js has one global model path.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BertTokenizer } from '@xenova/transformers';
import type { InferenceSession } from 'onnxruntime-node';
import { ModelError } from './embedder.js';

/** The reader the project ships, relative to the project's root (not the working directory). */
export const DEFAULT_READER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'models', 'verbatim-reader-minilm-l6');

/** Word pieces per (question, sentence) pair, as in training: the sentence is cut, never the question. */
const MAX_TOKENS = 96;

interface Tokenizer {
  encode(text: string): number[];
}

const loaded = new Map<string, Promise<Reader>>();
/** Pairs whose logits are kept: about 1,000 questions' worth of candidates. */
const SCORE_CACHE = 10_000;

/** Scores (question, sentence) pairs; loaded once, reused. */
export class Reader {
  /** (question, sentence) → logit, oldest first (bounded by SCORE_CACHE). */
  private readonly scores = new Map<string, number>();
  /** Sentence → token ids without [CLS] (the corpus repeats its sentences across questions). */
  private readonly sentenceIds = new Map<string, number[]>();
  private lastQuestion?: { text: string; ids: number[] };

  private constructor(
    private readonly session: InferenceSession,
    private readonly tokenizer: Tokenizer,
    readonly dir: string,
  ) {}

  /**
   * Loads the reader from a folder in the Hub layout (`tokenizer.json`, `onnx/model_quantized.onnx`).
   *
   * @example
   * const reader = await Reader.load();                       // the shipped model
   * const [yes, no] = await reader.score('Who is the Pentagon spokesman?', [
   *   'Pentagon spokesman Rear Admiral John Kirby said…', 'Kerry met ministers in Brussels.']);
   * // yes > 0 > no
   */
  static async load(dir = DEFAULT_READER_DIR, options: { threads?: number } = {}): Promise<Reader> {
    const weights = path.join(dir, 'onnx', 'model_quantized.onnx');
    const tokenizerFile = path.join(dir, 'tokenizer.json');
    if (!fs.existsSync(weights) || !fs.existsSync(tokenizerFile)) {
      throw new ModelError(`Reader model not found in ${dir} (needs tokenizer.json and onnx/model_quantized.onnx). Set READER_MODEL to its folder, or to "none" to answer without it.`);
    }
    try {
      const { InferenceSession } = await import('onnxruntime-node');
      const session = await InferenceSession.create(weights, {
        executionProviders: ['cpu'],
        interOpNumThreads: 1,
        ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
      });
      const config = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
      const tokenizer = new BertTokenizer(JSON.parse(fs.readFileSync(tokenizerFile, 'utf8')), config) as unknown as Tokenizer;
      return new Reader(session, tokenizer, dir);
    } catch (e) {
      throw new ModelError(`Could not load the reader model from ${dir}: ${(e as Error).message}`);
    }
  }

  /**
   * The reader of a folder, loaded once per process: every engine (a reloaded index, the eval's several
   * indexes) shares it.
   *
   * @example
   * const reader = await Reader.shared(); // same instance on every call
   */
  static shared(dir = DEFAULT_READER_DIR): Promise<Reader> {
    const key = path.resolve(dir);
    let loading = loaded.get(key);
    if (!loading) {
      loading = Reader.load(key);
      loaded.set(key, loading);
      loading.catch(() => loaded.delete(key));
    }
    return loading;
  }

  /**
   * One logit per sentence: > 0 ⇔ the sentence answers the question.
   *
   * @example
   * const logits = await reader.score(question, sentences); // Float32Array(sentences.length)
   */
  async score(question: string, sentences: string[]): Promise<Float32Array> {
    // A repeated question (a retry, "more passages", a busy channel) costs no model run.
    const keys = sentences.map((s) => `${question}\u0001${s}`);
    const missing = [...new Set(keys.filter((k) => !this.scores.has(k)))];
    if (missing.length) {
      const fresh = await this.run(question, missing.map((k) => k.slice(question.length + 1)));
      missing.forEach((k, i) => this.scores.set(k, fresh[i]));
      while (this.scores.size > SCORE_CACHE) this.scores.delete(this.scores.keys().next().value as string);
    }
    return Float32Array.from(keys, (k) => this.scores.get(k) as number);
  }

  /**
   * Each pair through the model on its own. The int8 model quantizes its activations with one scale
   * per run, padding included, so in a batch a pair's logit would depend on its batch-mates (0.43
   * logit apart on average, up to 9.7, on SQuAD development questions); alone, a pair always gets
   * the same logit, which is what calibration replays, and it pads nothing. On 2 AVX2 cores, 6 pairs
   * one at a time took 123 ms against 155 ms as one batch; on the 608 answerable development questions,
   * reading the best 8, the first sentence holds the answer for 0.829 against 0.827 (`npm run calibrate`).
   */
  private async run(question: string, sentences: string[]): Promise<Float32Array> {
    const q = this.questionIds(question);
    const { Tensor } = await import('onnxruntime-node');
    const logits = new Float32Array(sentences.length);
    for (const [i, sentence] of sentences.entries()) {
      const ids = this.idsOf(sentence);
      const room = MAX_TOKENS - q.length;
      const second = ids.length <= room ? ids : [...ids.slice(0, room - 1), ids[ids.length - 1]];
      const tokens = [...q, ...second];
      const shape = [1, tokens.length];
      const out = await this.session.run({
        input_ids: new Tensor('int64', BigInt64Array.from(tokens, BigInt), shape),
        attention_mask: new Tensor('int64', new BigInt64Array(tokens.length).fill(1n), shape),
        token_type_ids: new Tensor('int64', BigInt64Array.from(tokens, (_, t) => (t < q.length ? 0n : 1n)), shape),
      });
      logits[i] = (out.logits.data as Float32Array)[0];
    }
    return logits;
  }

  /**
   * [CLS] question [SEP], cut to half the budget (the sentence fills the rest). The last question's are
   * kept: the cascade reads its sentences one call at a time.
   */
  private questionIds(question: string): number[] {
    if (this.lastQuestion?.text !== question) {
      let ids = this.tokenizer.encode(question);
      if (ids.length > MAX_TOKENS / 2) ids = [...ids.slice(0, MAX_TOKENS / 2 - 1), ids[ids.length - 1]];
      this.lastQuestion = { text: question, ids };
    }
    return this.lastQuestion.ids;
  }

  /** The sentence's word pieces and final [SEP], without [CLS]; memoized. */
  private idsOf(sentence: string): number[] {
    let ids = this.sentenceIds.get(sentence);
    if (!ids) {
      ids = this.tokenizer.encode(sentence).slice(1);
      if (this.sentenceIds.size >= 50_000) this.sentenceIds.clear();
      this.sentenceIds.set(sentence, ids);
    }
    return ids;
  }
}
