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
import { buildQuotes, citationOf, leansBack, scoreSentences, sentenceText, type ScoredSentence } from './quotes.js';
import { answerability, shouldAbstain, type Evidence } from './abstain.js';
import { answerType } from './answer-type.js';
import { readSentences } from './read.js';
import { Reader } from '../embed/reader.js';
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
  /**
   * How sure the engine is that it answers: with the reader, the abstention model's answerability (≥ 0
   * answers); without, cosine of the best sentence + abstain.coverage × soft coverage of the question's words.
   */
  confidence: number;
  coverage: number;
  /** What abstention weighed (abstain.ts). */
  evidence: Evidence;
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
    /** The answer-sentence reader; null answers without it (embeddings and words only). */
    public reader: Reader | null = null,
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
      const timings = { embedMs: 0, searchMs: 0, selectMs: 0, readMs: 0 };
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
    const scored = scoreSentences(this.index, q, retrieval, question, this.tuning);
    const t3 = performance.now();
    const reading = this.reader !== null && this.tuning.reader.candidates > 0;
    const sentences = reading ? await readSentences(this.index, this.reader as Reader, question, scored, this.tuning) : scored;
    const t4 = performance.now();
    // Articles ranked by their best sentence (what the first quote shows), then by passage score.
    const articleRanking = [
      ...new Set([
        ...sentences.map((s) => this.index.sentenceArticle[s.id]),
        ...retrieval.candidates.map((c) => this.index.passageArticle[c.passage]),
      ]),
    ];
    const evidence = await this.evidence(question, sentences, retrieval.alternatives);
    const confidence = evidence.reader !== null
      ? answerability(evidence, this.tuning.abstain.model)
      : evidence.cos + this.tuning.abstain.coverage * evidence.coverage;
    const abstained = sentences.length === 0 || shouldAbstain(evidence, this.tuning);
    const t5 = performance.now();
    return {
      question, retrieval, sentences, articleRanking, confidence, coverage: evidence.coverage, evidence, abstained,
      timings: { embedMs: t1 - t0, searchMs: t2 - t1, selectMs: t3 - t2 + (t5 - t4), readMs: reading ? t4 - t3 : 0 },
    };
  }

  /**
   * What abstention weighs about the best sentence (see abstain.ts): the reader's logit, its cosine,
   * and the soft coverage of the question's words (coverage.ts) by its passage and by the sentence
   * itself with the one it leans on. Coverage catches questions that share a topic but not the
   * specifics ("When did ISIL pledge allegiance to al-Qaeda?").
   */
  private async evidence(question: string, sentences: ScoredSentence[], alternatives: ReadonlyMap<string, string[][]>): Promise<Evidence> {
    const best = sentences[0];
    if (!best) return { reader: null, cos: 0, coverage: 0, sentenceCoverage: 0, typeMissing: false };
    const passage = this.index.sentencePassage[best.id];
    const article = this.index.articles[this.index.passageArticle[passage]];
    const p = article.passages[this.index.passageLocal[passage]];
    const local = this.index.sentenceLocal[best.id];
    const own = sentenceText(this.index, best.id);
    const leanedOn = local > 0 && leansBack(own) ? sentenceText(this.index, best.id - 1) + ' ' : '';
    const { words, vectors } = await questionWords(this.index, this.embedder, question);
    // The read sentences lead the ranking (read.ts): only those carry a logit.
    const read = sentences.slice(0, this.tuning.reader.candidates).flatMap((s) => (s.reader === undefined ? [] : [s.reader]));
    return {
      // Does any sentence the reader saw answer? (The quoted one is chosen by the mixed score.)
      reader: read.length ? Math.max(...read) : null,
      cos: best.cos,
      coverage: softCoverage(this.index, words, vectors, `${article.title}\n${passageBody(article.text, article.sentences, p)}`, alternatives),
      sentenceCoverage: softCoverage(this.index, words, vectors, leanedOn + own, alternatives),
      typeMissing: answerType(question) !== 'other' && !best.typeMatch,
    };
  }

  async sources(): Promise<SourceInfo[]> {
    return this.index.articles.map((_, i) => this.sourceAt(i));
  }

  async source(id: string): Promise<SourceInfo | undefined> {
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

  async context(sentenceId: number, radius = 2): Promise<QuoteContext | undefined> {
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
export async function openEngine(
  config: Config,
  options: { embedder?: Embedder; reader?: Reader | null; tuning?: Tuning } = {},
): Promise<Engine> {
  // The model and how it is used (pooling, prefixes): an index made otherwise is refused with what to run.
  const expected = options.embedder?.info ?? { model: config.embeddingModel, quantized: config.quantized, ...profileForConfig(config) };
  // Check the index before paying for the models: a missing index fails fast with its own message.
  const index = await loadIndex(config.indexDir, expected);
  const [embedder, reader] = await Promise.all([
    options.embedder ?? Embedder.forConfig(config),
    options.reader !== undefined ? options.reader : config.readerModel === null ? null : Reader.shared(config.readerModel),
  ]);
  const engine = new Engine(index, embedder, options.tuning, reader);
  // One throw-away question compiles the hot paths and warms ONNX Runtime, so the first real
  // question is answered as fast as the next ones.
  await engine.trace('warm up');
  return engine;
}
