/**
 * How a build sits in the cluster: four indexes per build, named `<prefix>-<kind>-<buildId>`, each
 * reached through the alias `<prefix>-<kind>` that a build switches at once when it is complete.
 *
 * - articles:  one document per article (id = its `ord`, kept from build to build: ids.ts): text, citation, sentence
 *   and passage offsets, the ids of its first sentence and passage, and its sentence and passage
 *   vectors as float32 bytes (base64, not indexed) so that the engine re-scores exactly as locally.
 *   The index's mapping `_meta` holds the build's manifest and BM25 statistics.
 * - sentences: one per sentence (id = its sentence id in the cluster): its vector (kNN), passage and article.
 * - passages:  one per passage (id = its passage id in the cluster): its vector (kNN) and the product's own index
 *   terms of its title and text (BM25 in the cluster; also returned, to score candidates exactly).
 * - terms:     `t:<term>`: the term's document frequencies; `w:<word>`: a vocabulary word's int8 vector.
 */
import type { ElasticsearchConfig } from '../../config.js';
import type { IndexedArticle, Manifest } from '../format.js';
import type { NextIds } from './ids.js';

export const KINDS = ['articles', 'sentences', 'passages', 'terms'] as const;
export type Kind = (typeof KINDS)[number];

/** Bump when documents or mappings change meaning: an older layout is refused with what to run. */
export const ES_LAYOUT = 1;

/**
 * The alias of each kind (what readers follow).
 *
 * @example
 * aliasName('verbatim', 'passages'); // 'verbatim-passages'
 */
export function aliasName(prefix: string, kind: Kind): string {
  return `${prefix}-${kind}`;
}

/**
 * The concrete index of one build (Elasticsearch index names are lower case).
 *
 * @example
 * indexName('verbatim', 'passages', '20261130T120000-AB12'); // 'verbatim-passages-20261130t120000-ab12'
 */
export function indexName(prefix: string, kind: Kind, buildId: string): string {
  return `${prefix}-${kind}-${buildId.toLowerCase()}`;
}

/** What the articles index's `_meta` records about its build. */
export interface BuildMeta {
  layout: number;
  manifest: Manifest;
  /** MiniSearch's statistics, so the engine scores BM25 exactly as the local store does. */
  lexical: { documents: number; averageFieldLength: [number, number] };
  /**
   * The next unused article, sentence and passage ids (ids.ts): ids outlive builds, so they are not
   * positions. Absent in builds written before ids were carried over: there they are positions.
   */
  ids?: NextIds;
}

/** An article document: the indexed article (citation, text, hash) with its offsets flattened and its vectors. */
export type ArticleDoc = Omit<IndexedArticle, 'sentences' | 'passages'> & {
  ord: number;
  /** `[start, end, start, end, …]` of its sentences; `[first, last, …]` of its passages (article-local). */
  sentences: number[];
  passages: number[];
  /** Global ids of its first sentence and passage. */
  firstSentence: number;
  firstPassage: number;
  firstParagraph: string;
  /** Row-major float32 unit vectors of its sentences and passages, base64. */
  sv: string;
  pv: string;
};

/** A passage document, as the engine reads it back (its vector is indexed only). */
export interface PassageDoc {
  a: number;
  /** Index terms (src/text/terms.ts) of the article's title and of the passage's body, space-separated. */
  title: string;
  text: string;
  /** MiniSearch's field lengths: distinct words of the title and of the body. */
  tl: number;
  xl: number;
}

/** A term document: how many passages use the term (in the title field, the body field, either). */
export interface TermDoc {
  df: number;
  dft: number;
  dfx: number;
}

/** A vocabulary word document: its vector as int8 codes (base64) and their scale. */
export interface WordDoc {
  c: string;
  s: number;
}

/**
 * Settings and mappings of one kind's index. Vectors use int8-quantized HNSW (a quarter of the
 * memory of float32); every kNN candidate is re-scored with the exact vectors by the engine.
 *
 * @example
 * await client.indices.create({ index, ...indexBody('passages', 384, config.elasticsearch, meta) });
 */
export function indexBody(kind: Kind, dim: number, es: ElasticsearchConfig, meta?: BuildMeta): { settings: object; mappings: object } {
  // Replicas and refresh come after the bulk load (see write.ts): loading without them is faster.
  const settings = { number_of_shards: es.shards, number_of_replicas: 0, refresh_interval: '-1' };
  const vector = { type: 'dense_vector', dims: dim, index: true, similarity: 'cosine', index_options: { type: 'int8_hnsw', m: 16, ef_construction: 100 } };
  switch (kind) {
    case 'articles':
      return {
        settings,
        mappings: { dynamic: false, _meta: meta ?? {}, properties: { ord: { type: 'integer' }, id: { type: 'keyword' } } },
      };
    case 'sentences':
      return { settings, mappings: { dynamic: false, _source: { excludes: ['v'] }, properties: { a: { type: 'integer' }, p: { type: 'integer' }, v: vector } } };
    case 'passages':
      return {
        settings: {
          ...settings,
          // The product's terms (already stemmed, stop words dropped, only letters and digits) go in as they
          // are: the standard tokenizer (the one every distribution ships) splits them on the spaces
          // between them. BM25's k1 and b as MiniSearch's, so the cluster ranks candidates close to exactly.
          similarity: { verbatim_bm25: { type: 'BM25', k1: 1.2, b: 0.7 } },
        },
        mappings: {
          dynamic: false,
          _source: { excludes: ['v'] },
          properties: {
            a: { type: 'integer' },
            v: vector,
            title: { type: 'text', analyzer: 'standard', similarity: 'verbatim_bm25' },
            text: { type: 'text', analyzer: 'standard', similarity: 'verbatim_bm25' },
          },
        },
      };
    case 'terms':
      return { settings, mappings: { dynamic: false, properties: {} } };
  }
}
