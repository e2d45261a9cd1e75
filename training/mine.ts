/**
 * Hard negatives as the product finds them, for SQuAD's training questions: each question is asked of an
 * index of the training articles' paragraphs (the product's own retrieval and sentence scoring, reader
 * off), and the best sentences it ranks that hold no answer become that question's negatives. These are
 * the candidates the reader is shown at answer time — other paragraphs of the article, and other
 * articles, included — which one article's word-overlap look-alikes (prepare.ts) only approximate.
 * Only the `train` articles are indexed: no tune or test text reaches training.
 */
import { loadConfig } from '../src/config.js';
import { Embedder } from '../src/embed/embedder.js';
import { sentenceText } from '../src/answer/quotes.js';
import { tuningFor, withoutReader } from '../src/answer/tuning.js';
import { readSquadDocs } from '../src/eval/datasets.js';
import { indexKey } from '../src/eval/selection.js';
import { openCachedEngine } from '../src/eval/workspace.js';

/**
 * The embedder mining asks with: the product's default, pinned, so an `.env` that picks another model
 * does not change the training data (and the shipped reader stays reproducible). The reader is off, so
 * the data does not depend on the reader it trains.
 */
const MINING_MODEL = 'Xenova/all-MiniLM-L6-v2';

/** How deep in the engine's ranking negatives are taken from (the engine reads the best 8). */
const MINED_DEPTH = 8;

/**
 * For each training question (by SQuAD id), the engine's best-ranked sentences that hold none of its
 * answer strings, best first.
 *
 * @example
 * const mined = await mineSquadNegatives('../shared/datasets/squad-dev-v1.1-public.json', splits.train);
 * mined.get('56be4db0acb8001400a502ec')?.length; // up to 8 sentences, none holding an answer
 */
export async function mineSquadNegatives(squadFile: string, titles: string[]): Promise<Map<string, string[]>> {
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
  const docs = readSquadDocs(squadFile).filter((d) => titles.includes(d.title));
  const articles = docs.flatMap((d) => d.paragraphs.map((p) => p.article));
  const { engine } = await openCachedEngine(config, embedder, indexKey('reader-mining-squad', articles.map((a) => a.id)), articles);
  engine.tuning = withoutReader(tuningFor(MINING_MODEL));
  const out = new Map<string, string[]>();
  for (const q of docs.flatMap((d) => d.paragraphs.flatMap((p) => p.questions))) {
    const answers = q.answers.map((a) => a.toLowerCase());
    const t = await engine.trace(q.question);
    const texts = t.sentences.slice(0, MINED_DEPTH).map((s) => sentenceText(engine.index, s.id));
    out.set(q.id, texts.filter((s) => !answers.some((a) => s.toLowerCase().includes(a))));
  }
  return out;
}
