/**
 * Configuration: `.env` (dotenv) and the environment → one typed, validated `Config`.
 * This is the only module that reads `process.env`; everything else receives a `Config`.
 */
import { config as loadDotenv } from 'dotenv';
import { z } from 'zod';

const boolean = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const s = v.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(s)) return true;
      if (['0', 'false', 'no', 'off'].includes(s)) return false;
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected true or false, got "${v}"` });
      return z.NEVER;
    });

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** A string kept as written (prefixes end with a space); empty or unset ⇒ undefined. */
const rawString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v));

const positiveInt = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected a whole number ≥ 0, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

/** A comma-separated list; empty or unset ⇒ []. */
const list = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean));

const schema = z.object({
  CORPUS_DIR: z.string().default('corpus'),
  INDEX_DIR: z.string().default('index'),
  // Where the index lives: local (files under INDEX_DIR, in memory while answering) or an Elasticsearch cluster.
  VECTOR_STORE: z.enum(['local', 'elasticsearch'], { message: 'expected local or elasticsearch' }).default('local'),
  ELASTICSEARCH_URL: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const urls = (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      for (const u of urls) {
        if (!/^https?:\/\/[^\s/]+/.test(u)) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected node URLs such as http://127.0.0.1:9200, comma-separated; got "${u}"` });
          return z.NEVER;
        }
      }
      return urls.length ? urls : ['http://127.0.0.1:9200'];
    }),
  ELASTICSEARCH_API_KEY: optionalString,
  ELASTICSEARCH_USERNAME: optionalString,
  ELASTICSEARCH_PASSWORD: optionalString,
  ELASTICSEARCH_CA_FILE: optionalString,
  ELASTICSEARCH_INDEX_PREFIX: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const p = (v ?? '').trim() || 'verbatim';
      // Elasticsearch index names: lower case, no spaces or \/*?"<>|,#: and not starting with -, _ or +.
      if (!/^[a-z0-9][a-z0-9._-]*$/.test(p)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected lower-case letters, digits, ".", "_" or "-" (an Elasticsearch index name), got "${v}"` });
        return z.NEVER;
      }
      return p;
    }),
  ELASTICSEARCH_SHARDS: positiveInt(1),
  ELASTICSEARCH_REPLICAS: positiveInt(1),
  MODEL_DIR: optionalString,
  EMBEDDING_MODEL: z.string().default('Xenova/all-MiniLM-L6-v2'),
  // int8 by default: within 0.01 of fp32 on retrieval and ~1.5× faster (see README, "Measurements").
  EMBEDDING_QUANTIZED: boolean(true),
  // Overrides of the model's profile (src/embed/profiles.ts); empty: the model's own (known models) or
  // mean pooling and no prefixes (other models). Prefixes are kept as written (no trimming): quote them.
  EMBEDDING_POOLING: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return undefined;
      const s = v.trim().toLowerCase();
      if (s === 'mean' || s === 'cls') return s;
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected mean or cls, got "${v}"` });
      return z.NEVER;
    }),
  EMBEDDING_QUERY_PREFIX: rawString,
  EMBEDDING_PASSAGE_PREFIX: rawString,
  // The reader (answer-sentence model): a folder in the Hub layout; empty: the model the project ships;
  // "none": answer without it (ranking by embeddings and words only, abstention by the older rule).
  READER_MODEL: optionalString,
  // Worker processes embedding in parallel during large builds; empty: one per core; 0 or 1: none.
  EMBED_WORKERS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 64) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected a whole number from 0 to 64, got "${v}"` });
        return z.NEVER;
      }
      return n;
    }),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DISCORD_TOKEN: optionalString,
  DISCORD_APPLICATION_ID: optionalString,
  DISCORD_GUILD_ID: optionalString,
  DISCORD_API_URL: optionalString,
  ASK_CHANNEL_IDS: z
    .string()
    .optional()
    .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean)),
  REPLY_IN_THREAD: boolean(false),
  RATE_LIMIT_MAX: positiveInt(5),
  RATE_LIMIT_WINDOW_SECONDS: positiveInt(60),
  FEEDBACK_LOG: z.string().default('data/feedback.jsonl'),
  INDEX_WATCH_SECONDS: positiveInt(10),
  // Not SHARDS: discord.js reads SHARDS itself (as JSON) in every client, and the ShardingManager sets it.
  DISCORD_SHARDS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return undefined;
      if (v.trim().toLowerCase() === 'auto') return 'auto' as const;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected "auto" or a whole number ≥ 1, got "${v}"` });
        return z.NEVER;
      }
      return n;
    }),
  // The answer service (npm run serve) and the bot's thin mode (src/serve/, src/bot/remote-engine.ts).
  HTTP_HOST: z.string().trim().min(1).default('127.0.0.1'),
  HTTP_PORT: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return 8080;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected a port from 0 to 65535, got "${v}"` });
        return z.NEVER;
      }
      return n;
    }),
  HTTP_BODY_LIMIT_BYTES: positiveInt(16_384),
  HTTP_RATE_LIMIT_MAX: positiveInt(60),
  HTTP_RATE_LIMIT_WINDOW_SECONDS: positiveInt(60),
  HTTP_API_KEYS: list,
  HTTP_CORS_ORIGINS: list,
  HTTP_TRUST_PROXY: boolean(false),
  ANSWER_SERVICE_URL: optionalString.pipe(
    z.string().url({ message: 'expected a URL such as http://127.0.0.1:8080' }).optional(),
  ),
  ANSWER_SERVICE_KEY: optionalString,
});

export interface Config {
  corpusDir: string;
  indexDir: string;
  /** `local`: the index in INDEX_DIR, loaded into memory; `elasticsearch`: the index in a cluster. */
  vectorStore: 'local' | 'elasticsearch';
  /** The cluster, with `vectorStore: 'elasticsearch'` (src/index/elasticsearch/). */
  elasticsearch: ElasticsearchConfig;
  /** Folder of models in the Hub's layout; undefined ⇒ the Hub and its local cache. */
  modelDir: string | undefined;
  embeddingModel: string;
  quantized: boolean;
  /** Overrides of the model's embedding profile (see src/embed/profiles.ts); undefined ⇒ the model's own. */
  embeddingPooling: 'mean' | 'cls' | undefined;
  embeddingQueryPrefix: string | undefined;
  embeddingPassagePrefix: string | undefined;
  /** Reader model folder; undefined ⇒ the shipped one (`models/verbatim-reader-minilm-l6`); null ⇒ no reader. */
  readerModel: string | null | undefined;
  /** Embedding worker processes for large builds; undefined ⇒ one per core. */
  embedWorkers: number | undefined;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  discord: {
    token: string | undefined;
    applicationId: string | undefined;
    guildId: string | undefined;
    apiUrl: string | undefined;
    askChannelIds: string[];
    replyInThread: boolean;
    rateLimit: { max: number; windowMs: number };
    feedbackLog: string;
    /** How often the bot checks the index folder for a rebuilt index; 0 turns it off. */
    indexWatchMs: number;
    /** Shard the bot over this many processes (`auto`: Discord's recommendation); undefined ⇒ one process. */
    shards: number | 'auto' | undefined;
  };
  /** The answer service (`npm run serve`). */
  http: {
    host: string;
    /** 0 ⇒ any free port (tests). */
    port: number;
    /** Largest accepted request body in bytes (413 above). */
    bodyLimit: number;
    /** Per client (API key, else IP address): at most `max` requests per `windowMs` on /v1 (429 above). */
    rateLimit: { max: number; windowMs: number };
    /** With one or more keys, every /v1 route needs `Authorization: Bearer <key>`; [] ⇒ open. */
    apiKeys: string[];
    /** Origins allowed to call the API from a browser (CORS); [] ⇒ none. */
    corsOrigins: string[];
    /** Behind a proxy or load balancer: take the client's address from X-Forwarded-For (for the rate limit). */
    trustProxy: boolean;
  };
  /** Thin mode: with `url`, the bot asks this answer service instead of loading the model and the index. */
  answerService: { url: string | undefined; key: string | undefined };
}

/** Where and how to reach the Elasticsearch cluster, and how to lay out its indexes. */
export interface ElasticsearchConfig {
  /** One or more node URLs (the client spreads requests over them and retries on another node). */
  urls: string[];
  /** Credentials for a secured cluster: an API key, or a user and password. */
  apiKey: string | undefined;
  username: string | undefined;
  password: string | undefined;
  /** PEM file of the CA that signed the cluster's certificate (https). */
  caFile: string | undefined;
  /** Index and alias names start with this (`<prefix>-passages`, …). */
  prefix: string;
  /** Primary shards per index (≥ 1) and replicas of each (1: a 2-node cluster survives losing a node). */
  shards: number;
  replicas: number;
}

/** A configuration problem, worded for the person who has to fix the `.env` file. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads and validates the configuration once.
 *
 * @example
 * const config = loadConfig();                 // .env + process.env
 * const test = loadConfig({ INDEX_DIR: '/tmp/i' }, { dotenv: false });
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: { dotenv?: boolean } = {}): Config {
  if (options.dotenv !== false && env === process.env) loadDotenv({ quiet: true } as never);
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration (check .env or the environment):\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.ELASTICSEARCH_SHARDS < 1) throw new ConfigError('Invalid configuration (check .env or the environment):\n  ELASTICSEARCH_SHARDS: expected a whole number ≥ 1');
  if ((e.ELASTICSEARCH_USERNAME === undefined) !== (e.ELASTICSEARCH_PASSWORD === undefined)) {
    throw new ConfigError('Invalid configuration (check .env or the environment):\n  ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD: set both or neither');
  }
  return {
    corpusDir: e.CORPUS_DIR,
    indexDir: e.INDEX_DIR,
    vectorStore: e.VECTOR_STORE,
    elasticsearch: {
      urls: e.ELASTICSEARCH_URL,
      apiKey: e.ELASTICSEARCH_API_KEY,
      username: e.ELASTICSEARCH_USERNAME,
      password: e.ELASTICSEARCH_PASSWORD,
      caFile: e.ELASTICSEARCH_CA_FILE,
      prefix: e.ELASTICSEARCH_INDEX_PREFIX,
      shards: e.ELASTICSEARCH_SHARDS,
      replicas: e.ELASTICSEARCH_REPLICAS,
    },
    modelDir: e.MODEL_DIR,
    embeddingModel: e.EMBEDDING_MODEL,
    quantized: e.EMBEDDING_QUANTIZED,
    embeddingPooling: e.EMBEDDING_POOLING,
    embeddingQueryPrefix: e.EMBEDDING_QUERY_PREFIX,
    embeddingPassagePrefix: e.EMBEDDING_PASSAGE_PREFIX,
    readerModel: e.READER_MODEL?.toLowerCase() === 'none' ? null : e.READER_MODEL,
    embedWorkers: e.EMBED_WORKERS,
    logLevel: e.LOG_LEVEL,
    discord: {
      token: e.DISCORD_TOKEN,
      applicationId: e.DISCORD_APPLICATION_ID,
      guildId: e.DISCORD_GUILD_ID,
      apiUrl: e.DISCORD_API_URL,
      askChannelIds: e.ASK_CHANNEL_IDS,
      replyInThread: e.REPLY_IN_THREAD,
      rateLimit: { max: e.RATE_LIMIT_MAX, windowMs: e.RATE_LIMIT_WINDOW_SECONDS * 1000 },
      feedbackLog: e.FEEDBACK_LOG,
      indexWatchMs: e.INDEX_WATCH_SECONDS * 1000,
      shards: e.DISCORD_SHARDS,
    },
    http: {
      host: e.HTTP_HOST,
      port: e.HTTP_PORT,
      bodyLimit: e.HTTP_BODY_LIMIT_BYTES,
      rateLimit: { max: e.HTTP_RATE_LIMIT_MAX, windowMs: e.HTTP_RATE_LIMIT_WINDOW_SECONDS * 1000 },
      apiKeys: e.HTTP_API_KEYS,
      corsOrigins: e.HTTP_CORS_ORIGINS,
      trustProxy: e.HTTP_TRUST_PROXY,
    },
    answerService: { url: e.ANSWER_SERVICE_URL, key: e.ANSWER_SERVICE_KEY },
  };
}
