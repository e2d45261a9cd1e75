/**
 * How each embedding model wants to be used: its pooling, the prefixes its training put before
 * questions and before indexed texts, and the length it was trained for. The `Embedder` reads its
 * profile once; nothing else in the code looks at model names.
 *
 * A model not listed here gets mean pooling, no prefixes and 256 word pieces (sentence-transformers'
 * usual set-up); `EMBEDDING_POOLING`, `EMBEDDING_QUERY_PREFIX` and `EMBEDDING_PASSAGE_PREFIX` override
 * any of these for any model.
 */
import crypto from 'node:crypto';
import type { Config } from '../config.js';

export type Pooling = 'mean' | 'cls';

/** Whether a text is a question (query) or something indexed to be found (passage, sentence, word). */
export type EmbedKind = 'query' | 'passage';

export interface EmbeddingProfile {
  /** Mean of the token vectors over the attention mask, or the `[CLS]` token's vector; then L2-normalised. */
  pooling: Pooling;
  /** Put before every question. */
  queryPrefix: string;
  /** Put before every indexed text (sentences, passages, vocabulary words). */
  passagePrefix: string;
  /** Word pieces per text, at most, special tokens and prefix included (longer texts are cut). */
  maxTokens: number;
}

/** Settings that replace a profile's own (from the configuration); undefined = the profile's. */
export type ProfileOverrides = Partial<Pick<EmbeddingProfile, 'pooling' | 'queryPrefix' | 'passagePrefix'>>;

/** What a model not listed in `KNOWN_PROFILES` gets. */
export const DEFAULT_PROFILE: Readonly<EmbeddingProfile> = { pooling: 'mean', queryPrefix: '', passagePrefix: '', maxTokens: 256 };

/** The models of `../shared/models` (see its README), by Hub id. */
export const KNOWN_PROFILES: Readonly<Record<string, Readonly<EmbeddingProfile>>> = {
  // Trained for 256 word pieces (sentence-transformers' max_seq_length), though its tokenizer allows 512.
  'Xenova/all-MiniLM-L6-v2': { pooling: 'mean', queryPrefix: '', passagePrefix: '', maxTokens: 256 },
  // Every text needs its prefix; without them the vectors do not match the model's training.
  'Xenova/e5-small-v2': { pooling: 'mean', queryPrefix: 'query: ', passagePrefix: 'passage: ', maxTokens: 512 },
  // [CLS] pooling (mean pooling is wrong for it); the instruction goes before questions only.
  'Xenova/bge-small-en-v1.5': {
    pooling: 'cls',
    queryPrefix: 'Represent this sentence for searching relevant passages: ',
    passagePrefix: '',
    maxTokens: 512,
  },
};

/**
 * The profile of a model: its known one (or the default), with any overrides applied.
 *
 * @example
 * resolveProfile('Xenova/e5-small-v2').queryPrefix;           // 'query: '
 * resolveProfile('acme/unknown-model');                       // mean pooling, no prefixes, 256
 * resolveProfile('acme/unknown-model', { pooling: 'cls' }).pooling; // 'cls'
 */
export function resolveProfile(model: string, overrides: ProfileOverrides = {}): EmbeddingProfile {
  const base = KNOWN_PROFILES[model] ?? DEFAULT_PROFILE;
  return {
    pooling: overrides.pooling ?? base.pooling,
    queryPrefix: overrides.queryPrefix ?? base.queryPrefix,
    passagePrefix: overrides.passagePrefix ?? base.passagePrefix,
    maxTokens: base.maxTokens,
  };
}

/**
 * The overrides the configuration asks for (EMBEDDING_POOLING, EMBEDDING_QUERY_PREFIX, EMBEDDING_PASSAGE_PREFIX).
 *
 * @example
 * profileOverrides(loadConfig()); // {} unless the .env sets them
 */
export function profileOverrides(config: Pick<Config, 'embeddingPooling' | 'embeddingQueryPrefix' | 'embeddingPassagePrefix'>): ProfileOverrides {
  return { pooling: config.embeddingPooling, queryPrefix: config.embeddingQueryPrefix, passagePrefix: config.embeddingPassagePrefix };
}

/**
 * The profile the configuration's model will be used with (known one + overrides), without loading it.
 *
 * @example
 * profileForConfig(loadConfig()).pooling; // 'mean' for the default all-MiniLM-L6-v2
 */
export function profileForConfig(
  config: Pick<Config, 'embeddingModel' | 'embeddingPooling' | 'embeddingQueryPrefix' | 'embeddingPassagePrefix'>,
): EmbeddingProfile {
  return resolveProfile(config.embeddingModel, profileOverrides(config));
}

/**
 * A short name for a model and profile, for folder names: the model's name, plus a hash of the
 * profile when it differs from the model's known one (overridden in the configuration).
 *
 * @example
 * profileKey('Xenova/e5-small-v2', resolveProfile('Xenova/e5-small-v2')); // 'e5-small-v2'
 * profileKey('Xenova/e5-small-v2', { ...resolveProfile('Xenova/e5-small-v2'), queryPrefix: '' }); // 'e5-small-v2-3f9a1c'
 */
export function profileKey(model: string, profile: EmbeddingProfile): string {
  const name = (model.split('/').pop() ?? model).replace(/[^\w.-]+/g, '_');
  const known = resolveProfile(model);
  if (sameProfile(known, profile)) return name;
  const hash = crypto.createHash('sha256').update(JSON.stringify([profile.pooling, profile.queryPrefix, profile.passagePrefix])).digest('hex');
  return `${name}-${hash.slice(0, 6)}`;
}

/**
 * Whether two profiles embed alike (pooling and both prefixes; the length cap is not compared).
 *
 * @example
 * sameProfile(resolveProfile('Xenova/all-MiniLM-L6-v2'), DEFAULT_PROFILE); // true
 */
export function sameProfile(a: Omit<EmbeddingProfile, 'maxTokens'>, b: Omit<EmbeddingProfile, 'maxTokens'>): boolean {
  return a.pooling === b.pooling && a.queryPrefix === b.queryPrefix && a.passagePrefix === b.passagePrefix;
}

/**
 * How a profile reads in messages, e.g. `mean pooling, query prefix "query: ", passage prefix "passage: "`.
 *
 * @example
 * describeProfile(resolveProfile('Xenova/bge-small-en-v1.5')); // 'cls pooling, query prefix "Represent …: ", no passage prefix'
 */
export function describeProfile(p: Omit<EmbeddingProfile, 'maxTokens'>): string {
  const prefix = (what: string, s: string) => (s ? `${what} prefix ${JSON.stringify(s)}` : `no ${what} prefix`);
  return `${p.pooling} pooling, ${prefix('query', p.queryPrefix)}, ${prefix('passage', p.passagePrefix)}`;
}
