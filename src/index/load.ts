/**
 * Loads the live build once into memory: articles, flat vector arrays (for exact re-scoring of
 * candidates), the two HNSW graphs and the BM25 store, with every file checked against the manifest.
 */
import path from 'node:path';
import {
  expandArticles,
  FILES,
  IndexError,
  readJson,
  readManifest,
  readUint32,
  readVectors,
  readVectorsInt8,
  resolveCurrent,
  type ExpectedEmbedding,
  type IndexedArticle,
  type Int8Vectors,
  type Manifest,
} from './format.js';
import { LexicalStore, type LexicalIndex } from './lexical.js';
import { SentenceTermTable } from './sentence-terms.js';
import { HnswStore, type VectorStore } from './vector-store.js';

export interface LoadedIndex {
  dir: string;
  manifest: Manifest;
  articles: IndexedArticle[];
  /** Row-major unit vectors, `dim` floats per sentence / passage, in global id order. */
  sentenceVectors: Float32Array;
  passageVectors: Float32Array;
  sentenceStore: VectorStore;
  passageStore: VectorStore;
  lexical: LexicalIndex;
  /** Every sentence's index terms as ids (lexical matching of candidates without re-stemming). */
  sentenceTerms: SentenceTermTable;
  /** Content word → row of `vocabularyVectors`. */
  vocabulary: Map<string, number>;
  /** Held as int8: only compared approximately (soft word coverage), and the largest array otherwise. */
  vocabularyVectors: Int8Vectors;
  /** For each global sentence id: its article index, its index within the article, its passage id. */
  sentenceArticle: Uint32Array;
  sentenceLocal: Uint32Array;
  sentencePassage: Uint32Array;
  /** For each global passage id: its article index and its index within the article. */
  passageArticle: Uint32Array;
  passageLocal: Uint32Array;
  /** Global id of each article's first sentence / passage. */
  firstSentence: Uint32Array;
  firstPassage: Uint32Array;
}

/**
 * Loads `<indexDir>/current`, refusing an index made with another model, or (when `expected` gives a
 * profile, as `embedder.info` does) with another pooling or other prefixes.
 *
 * @example
 * const index = await loadIndex('index', { model: 'Xenova/all-MiniLM-L6-v2', quantized: true });
 * index.articles.length; // 5
 * await loadIndex('index', embedder.info); // model and profile checked
 */
export async function loadIndex(indexDir: string, expected: ExpectedEmbedding): Promise<LoadedIndex> {
  const dir = resolveCurrent(indexDir);
  const manifest = readManifest(dir, expected);
  const { dim } = manifest.embedding;
  const { counts } = manifest;
  const articles = expandArticles(readJson(path.join(dir, FILES.articles)));
  const sentenceVectors = readVectors(path.join(dir, FILES.sentenceVectors), counts.sentences, dim);
  const passageVectors = readVectors(path.join(dir, FILES.passageVectors), counts.passages, dim);
  const vocabularyVectors = readVectorsInt8(path.join(dir, FILES.vocabularyVectors), counts.words, dim);
  const words = readJson<string[]>(path.join(dir, FILES.vocabulary));
  if (!Array.isArray(words) || words.length !== counts.words) {
    throw new IndexError(`${FILES.vocabulary} in ${dir} does not match the manifest. Rebuild the index with: npm run build-index -- --full`);
  }
  const vocabulary = new Map(words.map((w, i) => [w, i]));
  let sentenceStore: HnswStore;
  let passageStore: HnswStore;
  // Graph labels are listed in the manifest when the build wrote them; without them, label = id.
  const labelled = FILES.sentenceLabels in manifest.sizes;
  const identity = (n: number) => Uint32Array.from({ length: n }, (_, i) => i);
  const sentenceLabels = labelled ? readUint32(path.join(dir, FILES.sentenceLabels), counts.sentences) : identity(counts.sentences);
  const passageLabels = labelled ? readUint32(path.join(dir, FILES.passageLabels), counts.passages) : identity(counts.passages);
  const graphs = manifest.graphs;
  try {
    sentenceStore = await HnswStore.load(path.join(dir, FILES.sentenceGraph), dim, counts.sentences, manifest.hnsw, {
      labels: sentenceLabels,
      elements: graphs?.sentences.elements ?? counts.sentences,
    });
    passageStore = await HnswStore.load(path.join(dir, FILES.passageGraph), dim, counts.passages, manifest.hnsw, {
      labels: passageLabels,
      elements: graphs?.passages.elements ?? counts.passages,
    });
  } catch (e) {
    throw new IndexError(`The vector index in ${dir} is corrupted (${(e as Error).message}). Rebuild it with: npm run build-index -- --full`);
  }
  let lexical: LexicalStore;
  try {
    lexical = LexicalStore.fromJSON(readJson(path.join(dir, FILES.lexical)));
  } catch (e) {
    if (e instanceof IndexError) throw e;
    throw new IndexError(`The lexical index in ${dir} is corrupted. Rebuild it with: npm run build-index -- --full`);
  }

  const sentenceTerms = SentenceTermTable.read(path.join(dir, FILES.sentenceTerms), path.join(dir, FILES.sentenceTermList), counts.sentences);

  const sentenceArticle = new Uint32Array(counts.sentences);
  const sentenceLocal = new Uint32Array(counts.sentences);
  const sentencePassage = new Uint32Array(counts.sentences);
  const passageArticle = new Uint32Array(counts.passages);
  const passageLocal = new Uint32Array(counts.passages);
  const firstSentence = new Uint32Array(articles.length);
  const firstPassage = new Uint32Array(articles.length);
  let s = 0;
  let p = 0;
  articles.forEach((a, ai) => {
    firstSentence[ai] = s;
    firstPassage[ai] = p;
    a.passages.forEach((pass, pi) => {
      passageArticle[p + pi] = ai;
      passageLocal[p + pi] = pi;
      for (let k = pass.first; k < pass.last; k++) sentencePassage[s + k] = p + pi;
    });
    a.sentences.forEach((_, si) => {
      sentenceArticle[s + si] = ai;
      sentenceLocal[s + si] = si;
    });
    s += a.sentences.length;
    p += a.passages.length;
  });
  if (s !== counts.sentences || p !== counts.passages) {
    throw new IndexError(`The index in ${dir} is inconsistent (articles.json does not match the manifest). Rebuild it with: npm run build-index -- --full`);
  }
  return {
    dir, manifest, articles, sentenceVectors, passageVectors, sentenceStore, passageStore, lexical, sentenceTerms, vocabulary, vocabularyVectors,
    sentenceArticle, sentenceLocal, sentencePassage, passageArticle, passageLocal, firstSentence, firstPassage,
  };
}
