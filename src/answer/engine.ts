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
import { buildQuotes, leansBack, scoreSentences, sentenceText, type ScoredSentence } from './quotes.js';
import { answerability, isTentative, offCorpus, shouldAbstain, type Evidence } from './abstain.js';
import { answerType } from './answer-type.js';
import { readSentences } from './read.js';
import { unknownNames } from './names.js';
import { Reader } from '../embed/reader.js';
import { retrieve, type Retrieval } from './retrieve.js';
import { LocalSource, type IndexSource, type QuestionIndex } from './source.js';
import { tuningFor, type Tuning } from './tuning.js';

export { IndexError } from '../index/format.js';

/** What the engine saw for one question: for the eval, calibration and debugging. */
export interface Trace {
  question: string;
  retrieval: Retrieval;
  sentences: ScoredSentence[];
  /** The question's names no article mentions (names.ts), as written: the abstention notice gives them. */
  unknownNames: string[];
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
  /** Answers, but below `tuning.abstain.sure`: the quotes are shown as the closest, not as the answer. */
  tentative: boolean;
  timings: Answer['timings'];
  /** The index the ids above refer to (the whole index locally; the question's own with a remote store). */
  view: QuestionIndex;
}

export const NO_ANSWER =
  "The articles I have don't answer that. I only quote my sources, so I'd rather say nothing than guess.";

/**
 * Said before NO_ANSWER when the question names what no article mentions.
 *
 * @example
 * neverMentioned(['Ethelred']); // 'The articles never mention “Ethelred”.'
 */
export function neverMentioned(names: string[]): string {
  const quoted = names.map((n) => `“${n}”`);
  const list = quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}` : quoted[0];
  return `The articles never mention ${list}.`;
}

/** Said above the quotes of a tentative answer (abstain.ts, `isTentative`). */
export const TENTATIVE = "I'm not sure these answer it: they are the closest passages I found, word for word.";

export class Engine implements AnswerEngine {
  /** Where questions are answered from: the whole index in memory, or a cluster (src/answer/source.ts). */
  readonly store: IndexSource;

  constructor(
    index: LoadedIndex | IndexSource,
    readonly embedder: Embedder,
    /** Default: the tuning fitted for this embedder (tuning.ts). */
    public tuning: Tuning = tuningFor(embedder.info.model),
    /** The answer-sentence reader; null answers without it (embeddings and words only). */
    public reader: Reader | null = null,
  ) {
    this.store = 'forQuestion' in index ? index : new LocalSource(index);
  }

  /**
   * Read even when silence is already certain (a name no article mentions, every candidate below the
   * cosine floor). The answer is the same either way; the eval and `npm run calibrate` set it, because
   * they weigh what the reader would have said (the calibration fits on those logits).
   */
  readSilenced = false;

  /** The whole index, for tools that read it directly (eval, bench); a remote store does not hold it. */
  get index(): LoadedIndex {
    if (!this.store.loaded) throw new Error('This engine answers from a remote index: the whole index is not in memory (use trace.view.index).');
    return this.store.loaded;
  }

  get buildId(): string {
    return this.store.buildId;
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
    const { view } = trace;
    if (!trace.abstained) await view.needQuotes?.(trace.sentences, this.tuning);
    // Quotes carry global sentence ids: "Show context" asks for them later, from any index view.
    const quotes = trace.abstained
      ? []
      : buildQuotes(view.index, trace.sentences, { k, offset }, this.tuning).map((quote) => ({ ...quote, sentenceId: view.globalSentence(quote.sentenceId) }));
    const { tentative } = trace;
    const notices = [
      normalized.notice,
      trace.abstained && trace.unknownNames.length ? neverMentioned(trace.unknownNames) : undefined,
      trace.abstained ? NO_ANSWER : undefined,
      tentative && quotes.length ? TENTATIVE : undefined,
    ].filter(Boolean);
    if (!trace.abstained && quotes.length === 0 && offset > 0) notices.push('No more passages answer this question.');
    const answer: Answer = {
      question: normalized.text,
      abstained: trace.abstained,
      ...(tentative ? { tentative } : {}),
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
    const view = await this.store.forQuestion(q, question, this.tuning);
    const index = view.index;
    const retrieval = await retrieve(index, q, question, this.tuning);
    const t2 = performance.now();
    const scored = scoreSentences(index, q, retrieval, question, this.tuning);
    const unknown = unknownNames(index, question, retrieval);
    const t3 = performance.now();
    // Whichever of the sentences it would read ends up best, silence is certain (abstain.ts, offCorpus) when
    // each is off the corpus: the reader cannot change the answer, so it is not run.
    const { candidates } = this.tuning.reader;
    const silent = scored.slice(0, candidates).every((s) => offCorpus({ cos: s.cos, unknownName: unknown.length > 0 }, this.tuning));
    const reading = this.reader !== null && candidates > 0 && (this.readSilenced || !silent);
    const sentences = reading ? await readSentences(index, this.reader as Reader, question, scored, this.tuning) : scored;
    const t4 = performance.now();
    // Articles ranked by their best sentence (what the first quote shows), then by passage score.
    const articleRanking = [
      ...new Set([
        ...sentences.map((s) => index.sentenceArticle[s.id]),
        ...retrieval.candidates.map((c) => index.passageArticle[c.passage]),
      ]),
    ];
    const evidence = await this.evidence(view, question, sentences, retrieval.alternatives, unknown.length > 0);
    const confidence = evidence.reader !== null
      ? answerability(evidence, this.tuning.abstain.model)
      : evidence.cos + this.tuning.abstain.coverage * evidence.coverage;
    const abstained = sentences.length === 0 || shouldAbstain(evidence, this.tuning);
    const tentative = sentences.length > 0 && isTentative(evidence, this.tuning);
    const t5 = performance.now();
    return {
      question, retrieval, sentences, unknownNames: unknown, articleRanking, confidence, coverage: evidence.coverage, evidence, abstained, tentative,
      timings: { embedMs: t1 - t0, searchMs: t2 - t1, selectMs: t3 - t2 + (t5 - t4), readMs: reading ? t4 - t3 : 0, readPairs: sentences.filter((s) => s.reader !== undefined).length },
      view,
    };
  }

  /**
   * What abstention weighs about the best sentence (see abstain.ts): the reader's logit, its cosine,
   * and the soft coverage of the question's words (coverage.ts) by its passage and by the sentence
   * itself with the one it leans on. Coverage catches questions that share a topic but not the
   * specifics ("When did ISIL pledge allegiance to al-Qaeda?").
   */
  private async evidence(
    view: QuestionIndex,
    question: string,
    sentences: ScoredSentence[],
    alternatives: ReadonlyMap<string, string[][]>,
    unknownName: boolean,
  ): Promise<Evidence> {
    const best = sentences[0];
    if (!best) return { reader: null, cos: 0, coverage: 0, sentenceCoverage: 0, typeMissing: false, unknownName };
    const { index } = view;
    const passage = index.sentencePassage[best.id];
    const article = index.articles[index.passageArticle[passage]];
    const p = article.passages[index.passageLocal[passage]];
    const local = index.sentenceLocal[best.id];
    const own = sentenceText(index, best.id);
    const leanedOn = local > 0 && leansBack(own) ? sentenceText(index, best.id - 1) + ' ' : '';
    const passageText = `${article.title}\n${passageBody(article.text, article.sentences, p)}`;
    await view.needWords?.([passageText, leanedOn + own]);
    const { words, vectors } = await questionWords(index, this.embedder, question);
    // The read sentences lead the ranking (read.ts): only those carry a logit.
    const read = sentences.slice(0, this.tuning.reader.candidates).flatMap((s) => (s.reader === undefined ? [] : [s.reader]));
    return {
      // Does any sentence the reader saw answer? (The quoted one is chosen by the mixed score.)
      reader: read.length ? Math.max(...read) : null,
      cos: best.cos,
      coverage: softCoverage(index, words, vectors, passageText, alternatives),
      sentenceCoverage: softCoverage(index, words, vectors, leanedOn + own, alternatives),
      typeMissing: answerType(question) !== 'other' && !best.typeMatch,
      unknownName,
    };
  }

  async sources(): Promise<SourceInfo[]> {
    return this.store.sources();
  }

  async source(id: string): Promise<SourceInfo | undefined> {
    return this.store.source(id);
  }

  async context(sentenceId: number, radius = 2): Promise<QuoteContext | undefined> {
    return this.store.context(sentenceId, radius);
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
  // With Elasticsearch the corpus stays in the cluster: each question fetches what it needs.
  const index =
    config.vectorStore === 'elasticsearch'
      ? await (await import('../index/elasticsearch/source.js')).ElasticsearchSource.open(config, expected)
      : await loadIndex(config.indexDir, expected);
  const reading = options.reader !== undefined ? options.reader !== null : config.readerModel !== null;
  // With the reader, questions are embedded on one thread (Embedder.singleThreaded says why).
  const [embedder, reader] = await Promise.all([
    options.embedder ? (reading ? options.embedder.singleThreaded() : options.embedder) : Embedder.forConfig(config, reading ? { threads: 1 } : {}),
    options.reader !== undefined ? options.reader : config.readerModel === null ? null : Reader.shared(config.readerModel),
  ]);
  const engine = new Engine(index, embedder, options.tuning, reader);
  // One throw-away question compiles the hot paths and warms ONNX Runtime, so the first real
  // question is answered as fast as the next ones.
  await engine.trace('warm up');
  return engine;
}
