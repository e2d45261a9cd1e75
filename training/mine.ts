/**
 * Hard negatives as the product itself finds them: each training question is asked of an index of
 * the training articles (the product's own retrieval and sentence scoring, reader off), and the best
 * sentences it ranks that are not the answer become that question's negatives. These are exactly the
 * sentences the reader must reject at answer time — other articles' look-alikes included — which the
 * lexical look-alikes of one article (prepare.ts) only approximate.
 */
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { Embedder } from '../src/embed/embedder.js';
import { sentenceText } from '../src/answer/quotes.js';
import { tuningFor, withoutReader } from '../src/answer/tuning.js';
import { indexKey, readSelection } from '../src/eval/selection.js';
import { openCachedEngine } from '../src/eval/workspace.js';

/**
 * The embedder mining asks with: the product's default, pinned, so an `.env` that picks another model
 * does not change the training data (and the shipped reader's figures stay reproducible).
 */
const MINING_MODEL = 'Xenova/all-MiniLM-L6-v2';

/** Sentences the engine ranks above this are kept as candidates to mine (before dropping answers). */
const MINED_DEPTH = 10;

/**
 * For each question, the engine's best-ranked sentences that are not the answer, best first.
 * The index holds the BBC files `spec` selects (the reader's training files only), built with the
 * configured embedder under `.tmp/eval/` and reused by later runs.
 *
 * @example
 * const negatives = await mineNegatives(bbcRoot, '001-016', [{ question: 'Who owns Ryanair?', answer: null }]);
 * negatives[0].length; // up to 10 sentences, none of them the answer
 */
export async function mineNegatives(
  corpusDir: string,
  spec: string,
  questions: { question: string; answer: string | null }[],
): Promise<string[][]> {
  const config = {
    ...loadConfig(),
    embeddingModel: MINING_MODEL,
    embeddingPooling: undefined,
    embeddingQueryPrefix: undefined,
    embeddingPassagePrefix: undefined,
    quantized: true,
    readerModel: null,
  };
  const embedder = await Embedder.forConfig(config);
  const dir = path.resolve(corpusDir);
  const selection = await readSelection(dir, spec);
  const { engine } = await openCachedEngine({ ...config, corpusDir: dir }, embedder, indexKey('reader-mining', selection.files), selection.articles);
  engine.tuning = withoutReader(tuningFor(embedder.info.model));
  const norm = (t: string) => t.replace(/\s+/g, ' ').trim();
  const out: string[][] = [];
  for (const q of questions) {
    const answer = q.answer === null ? null : norm(q.answer);
    const t = await engine.trace(q.question);
    const texts = t.sentences.slice(0, MINED_DEPTH).map((s) => sentenceText(engine.index, s.id));
    // A piece of the written answer (the splitter may cut it in two) is the answer, not a negative.
    out.push(texts.filter((s) => answer === null || !(answer.includes(norm(s)) || norm(s).includes(answer))));
  }
  return out;
}
