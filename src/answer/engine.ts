/**
 * The answer engine: loaded once, answers in milliseconds. Question → normalize → embed (the only
 * model run) → hybrid retrieval → sentence-level quotes → abstain or answer. Every face calls this.
 */
import type { Config } from '../config.js';
import { Embedder } from '../embed/embedder.js';
import { profileForConfig } from '../embed/profiles.js';
import { loadIndex, type LoadedIndex } from '../index/load.js';
import type { Answer } from '../types.js';
import type { AnswerEngine, AnswerOptions, QuoteContext, SourceInfo } from './api.js';
import { normalizeQuestion } from './question.js';
import { passageBody } from '../text/passages.js';
import { questionWords, softCoverage } from './coverage.js';
import { buildQuotes, citationOf, scoreSentences, type ScoredSentence } from './quotes.js';
import { retrieve, type Retrieval } from './retrieve.js';
import { DEFAULT_TUNING, type Tuning } from './tuning.js';

export { IndexError } from '../index/format.js';

/** What the engine saw for one question: for the eval, calibration and debugging. */
export interface Trace {
  question: string;
  retrieval: Retrieval;
  sentences: ScoredSentence[];
  /** Articles (index positions) in the order retrieval ranks them. */
  articleRanking: number[];
  /** Confidence = cosine of the best sentence + abstain.coverage × soft coverage of the question's words. */
  confidence: number;
  coverage: number;
  abstained: boolean;
  timings: Answer['timings'];
}

export const NO_ANSWER =
  "The articles I have don't answer that. I only quote my sources, so I'd rather say nothing than guess.";

export class Engine implements AnswerEngine {
  constructor(
    readonly index: LoadedIndex,
    readonly embedder: Embedder,
    public tuning: Tuning = DEFAULT_TUNING,
  ) {}

  get buildId(): string {
    return this.index.manifest.buildId;
  }

  /**
   * Answers one question.
   *
   * @example
   * const answer = await engine.answer('Who is the Pentagon spokesman?', { k: 2 });
   * answer.abstained ? answer.notice : answer.quotes.map((q) => q.text);
   */
  async answer(question: string, options: AnswerOptions = {}): Promise<Answer> {
    return (await this.answerWithTrace(question, options)).answer;
  }

  /**
   * The answer and what the engine saw to reach it (the eval scores both from one run).
   *
   * @example
   * const { answer, trace } = await engine.answerWithTrace('Who is the Pentagon spokesman?');
   * trace?.articleRanking[0]; // index of the article ranked first
   */
  async answerWithTrace(question: string, options: AnswerOptions = {}): Promise<{ answer: Answer; trace?: Trace }> {
    const t0 = performance.now();
    const k = Math.min(Math.max(1, Math.floor(options.k ?? 3)), 10);
    const offset = Math.max(0, Math.floor(options.offset ?? 0));
    const normalized = normalizeQuestion(question);
    if (!normalized.text) {
      const timings = { embedMs: 0, searchMs: 0, selectMs: 0 };
      return { answer: { question: '', abstained: true, quotes: [], notice: normalized.notice, ms: performance.now() - t0, timings } };
    }
    const trace = await this.trace(normalized.text);
    const quotes = trace.abstained ? [] : buildQuotes(this.index, trace.sentences, { k, offset }, this.tuning);
    const notices = [normalized.notice, trace.abstained ? NO_ANSWER : undefined].filter(Boolean);
    if (!trace.abstained && quotes.length === 0 && offset > 0) notices.push('No more passages answer this question.');
    const answer: Answer = {
      question: normalized.text,
      abstained: trace.abstained,
      quotes,
      notice: notices.length ? notices.join(' ') : undefined,
      ms: performance.now() - t0,
      timings: trace.timings,
    };
    return { answer, trace };
  }

  /**
   * Everything the engine computes for a (normalized) question, before quotes are cut.
   *
   * @example
   * const t = await engine.trace('When did the conflict in Syria begin?');
   * t.confidence; // 0.93
   */
  async trace(question: string): Promise<Trace> {
    const t0 = performance.now();
    const q = await this.embedder.embedQuery(question);
    const t1 = performance.now();
    const retrieval = await retrieve(this.index, q, question, this.tuning);
    const t2 = performance.now();
    const sentences = scoreSentences(this.index, q, retrieval, question, this.tuning);
    // Articles ranked by their best sentence (what the first quote shows), then by passage score.
    const articleRanking = [
      ...new Set([
        ...sentences.map((s) => this.index.sentenceArticle[s.id]),
        ...retrieval.candidates.map((c) => this.index.passageArticle[c.passage]),
      ]),
    ];
    const coverage = await this.coverage(question, sentences, retrieval.alternatives);
    const confidence = (sentences[0]?.cos ?? 0) + this.tuning.abstain.coverage * coverage;
    const { floor, threshold } = this.tuning.abstain;
    const best = sentences[0];
    const abstained = !best || best.cos < floor || confidence < threshold;
    const t3 = performance.now();
    return {
      question, retrieval, sentences, articleRanking, confidence, coverage, abstained,
      timings: { embedMs: t1 - t0, searchMs: t2 - t1, selectMs: t3 - t2 },
    };
  }

  /**
   * Soft coverage of the question's words by the best sentence's passage (see coverage.ts): with the
   * best cosine, what abstention weighs. It catches off-corpus questions that share a topic but not
   * the specifics ("When did ISIL pledge allegiance to al-Qaeda?").
   */
  private async coverage(question: string, sentences: ScoredSentence[], alternatives: ReadonlyMap<string, string[][]>): Promise<number> {
    const best = sentences[0];
    if (!best) return 0;
    const passage = this.index.sentencePassage[best.id];
    const article = this.index.articles[this.index.passageArticle[passage]];
    const p = article.passages[this.index.passageLocal[passage]];
    const text = `${article.title}\n${passageBody(article.text, article.sentences, p)}`;
    const { words, vectors } = await questionWords(this.index, this.embedder, question);
    return softCoverage(this.index, words, vectors, text, alternatives);
  }

  sources(): SourceInfo[] {
    return this.index.articles.map((_, i) => this.sourceAt(i));
  }

  source(id: string): SourceInfo | undefined {
    const i = this.index.articles.findIndex((a) => a.id === id);
    return i < 0 ? undefined : this.sourceAt(i);
  }

  private sourceAt(i: number): SourceInfo {
    const a = this.index.articles[i];
    const firstBreak = a.text.indexOf('\n\n');
    return {
      ...citationOf(this.index, i),
      sentences: a.sentences.length,
      passages: a.passages.length,
      firstParagraph: (firstBreak < 0 ? a.text : a.text.slice(0, firstBreak)).trim(),
    };
  }

  context(sentenceId: number, radius = 2): QuoteContext | undefined {
    if (!Number.isInteger(sentenceId) || sentenceId < 0 || sentenceId >= this.index.sentenceArticle.length) return undefined;
    const a = this.index.sentenceArticle[sentenceId];
    const local = this.index.sentenceLocal[sentenceId];
    const article = this.index.articles[a];
    const from = article.sentences[Math.max(0, local - radius)];
    const to = article.sentences[Math.min(article.sentences.length - 1, local + radius)];
    return { text: article.text.slice(from.start, to.end), source: citationOf(this.index, a) };
  }
}

/**
 * Loads the embedder and the index named by the configuration.
 *
 * @example
 * const engine = await openEngine(loadConfig());
 * (await engine.answer('How many air missions has the coalition flown?')).quotes[0].source.publisher; // 'DW'
 */
export async function openEngine(config: Config, options: { embedder?: Embedder; tuning?: Tuning } = {}): Promise<Engine> {
  // The model and how it is used (pooling, prefixes): an index made otherwise is refused with what to run.
  const expected = options.embedder?.info ?? { model: config.embeddingModel, quantized: config.quantized, ...profileForConfig(config) };
  // Check the index before paying for the model: a missing index fails fast with its own message.
  const index = await loadIndex(config.indexDir, expected);
  const embedder =
    options.embedder ?? (await Embedder.forConfig(config));
  const engine = new Engine(index, embedder, options.tuning);
  // One throw-away question compiles the hot paths and warms ONNX Runtime, so the first real
  // question is answered as fast as the next ones.
  await engine.trace('warm up');
  return engine;
}
