/**
 * The answer service: one engine behind HTTP for thin bot shards, scripts and the web page.
 *
 *   POST /v1/answers            {question, k?, offset?} → the Answer, exactly as `ask --json` prints it
 *   GET  /v1/sources            ?q=&offset=&limit=      → a page of sources (filtered like /source autocomplete)
 *   GET  /v1/sources/:id                                → one source
 *   GET  /v1/context/:sentenceId ?radius=&build=        → the sentences around a quote, the quote located
 *   GET  /healthz, /readyz, /metrics, /openapi.json, and the page at /
 *
 * The engine is loaded like the bot's (`indexEngineLoader` + `EngineSlot`): a rebuilt index is picked
 * up by itself and a broken one leaves the last good index serving. Refusals are JSON problem details.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createLogger, registerSecret } from '../log.js';
import { EngineSlot, type EngineLoader } from '../answer/engine-slot.js';
import { indexEngineLoader } from '../answer/index-loader.js';
import { rankSources } from '../answer/source-search.js';
import { keyCheck } from './auth.js';
import { ServiceMetrics } from './metrics.js';
import { openApiDocument } from './openapi.js';
import { problemOf, PROBLEM_TYPE, sendProblem, zodErrors } from './problem.js';
import { answerRequest, contextParams, contextQuery, sourceParams, sourcesQuery } from './schemas.js';
import { servePage } from './static-page.js';

/** The response header that names the index build an answer or context came from. */
export const BUILD_HEADER = 'x-verbatim-build';

/** What the server serves with: the engine slot once the engine is loaded, or why it is not. */
export class ServiceState {
  slot: EngineSlot | undefined;
  loadError: Error | undefined;
}

/**
 * Answers run one after another, each in its own turn of the event loop (as in the bot's asking.ts):
 * the model runs synchronously, so a burst started together would block the loop for its whole length
 * and /healthz, /readyz and new connections would wait behind it.
 */
class Turns {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(job: () => Promise<T>): Promise<T> {
    const turn = this.tail.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(job);
    this.tail = turn.catch(() => undefined);
    return turn;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is asking, for the rate limit: `key:<n>` (the n-th API key) or the IP address. */
    client: string;
  }
}

/**
 * Builds the Fastify app (not listening yet).
 *
 * @example
 * const app = await buildServer({ config, state, logger });
 * await app.listen({ host: config.http.host, port: config.http.port });
 */
export async function buildServer(options: { config: Config; state: ServiceState; logger: Logger; metrics?: ServiceMetrics }): Promise<FastifyInstance> {
  const { config, state } = options;
  const metrics = options.metrics ?? new ServiceMetrics();
  const keys = keyCheck(config.http.apiKeys);
  for (const k of config.http.apiKeys) registerSecret(k);
  const turns = new Turns();

  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: config.http.bodyLimit,
    trustProxy: config.http.trustProxy,
    requestTimeout: 60_000,
    // Request lines are logged at debug: one per question at info would drown the log.
    logController: new LogController({ disableRequestLogging: !options.logger.isLevelEnabled('debug') }),
  });
  app.decorateRequest('client', '');

  if (config.http.corsOrigins.length) {
    await app.register(cors, { origin: config.http.corsOrigins, methods: ['GET', 'POST'], allowedHeaders: ['content-type', 'authorization'], exposedHeaders: [BUILD_HEADER, 'retry-after'] });
  }

  // Who is asking: the API key's position when one matches, else the address (a guess at one client).
  app.addHook('onRequest', async (req, reply) => {
    const key = keys.identify(req.headers.authorization);
    req.client = key >= 0 ? `key:${key}` : `ip:${req.ip}`;
    // By the path without its query (`/metrics?x` is still /metrics), unknown /v1 paths included.
    const route = req.routeOptions.url ?? req.url.split('?')[0];
    const guarded = route.startsWith('/v1/') || route === '/metrics';
    if (keys.required && guarded && key < 0) {
      reply.header('www-authenticate', 'Bearer realm="verbatim"');
      return sendProblem(reply, 401, req.headers.authorization ? 'The API key is not valid.' : 'This service needs an API key: send "Authorization: Bearer <key>".');
    }
  });

  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    max: config.http.rateLimit.max || Number.MAX_SAFE_INTEGER,
    timeWindow: config.http.rateLimit.windowMs || 60_000,
    keyGenerator: (req) => req.client,
    errorResponseBuilder: (_req, ctx) =>
      Object.assign(new Error(`Too many requests: at most ${ctx.max} per ${Math.round(config.http.rateLimit.windowMs / 1000)} s. Try again in ${Math.ceil(ctx.ttl / 1000)} s.`), { statusCode: 429 }),
  });

  app.addHook('onResponse', async (_req, reply) => {
    if (reply.statusCode >= 400) metrics.error(reply.statusCode);
  });

  app.setErrorHandler((error: FastifyError, req, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    // A remote index that cannot be reached (the Elasticsearch store's IndexUnavailableError): "try again".
    if (error.name === 'IndexUnavailableError') {
      req.log.warn({ err: error }, 'the index is unavailable');
      void reply.header('retry-after', '5');
      return sendProblem(reply, 503, 'The index is unavailable right now; try again shortly.');
    }
    if (status >= 500) {
      req.log.error({ err: error }, 'request failed');
      return sendProblem(reply, 500, 'Something went wrong while answering; it was logged.');
    }
    const detail =
      error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? `The request body is larger than ${config.http.bodyLimit} bytes.`
        : error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError
          ? `The request body is not valid JSON: ${error.message}`
          : error.message;
    return sendProblem(reply, status, detail);
  });
  app.setNotFoundHandler((req, reply) => sendProblem(reply, 404, `No route ${req.method} ${req.url.split('?')[0]}.`));

  /** The engine, or a 503 problem sent (with Retry-After) while it loads. */
  const engineFor = (reply: FastifyReply) => {
    const engine = state.slot?.current;
    if (!engine) {
      void reply.header('retry-after', '5');
      void sendProblem(reply, 503, state.loadError ? `The index could not be loaded: ${state.loadError.message}` : 'The index is still loading; try again shortly.');
      return undefined;
    }
    void reply.header(BUILD_HEADER, engine.buildId);
    return engine;
  };
  const invalid = (reply: FastifyReply, what: string, error: import('zod').ZodError) => sendProblem(reply, 400, `${what} is not valid.`, zodErrors(error));

  const open = { config: { rateLimit: false } } as const;
  app.get('/healthz', open, async () => ({ ok: true }));
  app.get('/readyz', open, async (_req, reply) => {
    const engine = state.slot?.current;
    if (!engine) return reply.code(503).send({ ready: false, buildId: null, ...(state.loadError ? { error: state.loadError.message } : {}) });
    return { ready: true, buildId: engine.buildId, articles: (await engine.sources()).length };
  });
  app.get('/openapi.json', open, async () => openApiDocument(keys.required));
  app.get('/metrics', open, async (_req, reply) => {
    metrics.serving(state.slot?.current.buildId);
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.post('/v1/answers', async (req, reply) => {
    const type = req.headers['content-type'];
    if (type && !/^application\/json\b/i.test(type)) return sendProblem(reply, 415, 'Send the question as JSON: {"question": "…"} with Content-Type: application/json.');
    const body = answerRequest.safeParse(req.body ?? {});
    if (!body.success) return invalid(reply, 'The request body', body.error);
    const engine = engineFor(reply);
    if (!engine) return reply;
    const { question, k, offset } = body.data;
    const answer = await turns.run(() => engine.answer(question, { k, offset }));
    metrics.answered(answer, answer.ms / 1000);
    metrics.serving(engine.buildId);
    return reply.type('application/json; charset=utf-8').send(answer);
  });

  app.get('/v1/sources', async (req, reply) => {
    const query = sourcesQuery.safeParse(req.query);
    if (!query.success) return invalid(reply, 'The query string', query.error);
    const engine = engineFor(reply);
    if (!engine) return reply;
    const { q, offset, limit } = query.data;
    const all = await engine.sources();
    const matching = q?.trim() ? rankSources(all, q, all.length).map((r) => r.source) : all;
    return { total: matching.length, offset, limit, sources: matching.slice(offset, offset + limit) };
  });

  app.get('/v1/sources/:id', async (req, reply) => {
    const params = sourceParams.safeParse(req.params);
    if (!params.success) return invalid(reply, 'The source id', params.error);
    const engine = engineFor(reply);
    if (!engine) return reply;
    const source = await engine.source(params.data.id);
    return source ?? sendProblem(reply, 404, `No source with id "${params.data.id}".`);
  });

  app.get('/v1/context/:sentenceId', async (req, reply) => {
    const params = contextParams.safeParse(req.params);
    if (!params.success) return invalid(reply, 'The sentence id', params.error);
    const query = contextQuery.safeParse(req.query);
    if (!query.success) return invalid(reply, 'The query string', query.error);
    const engine = engineFor(reply);
    if (!engine) return reply;
    if (query.data.build && query.data.build !== engine.buildId) {
      return sendProblem(reply, 409, `The index was rebuilt since that answer (now ${engine.buildId}); ask again.`);
    }
    const id = params.data.sentenceId;
    const [around, own] = await Promise.all([engine.context(id, query.data.radius), engine.context(id, 0)]);
    if (!around || !own) return sendProblem(reply, 404, `No sentence ${id} in this index.`);
    // The context is whole sentences around the quoted one, so the quoted one is found inside it;
    // the middle occurrence wins if the same sentence repeats.
    const hits: number[] = [];
    for (let at = around.text.indexOf(own.text); at >= 0; at = around.text.indexOf(own.text, at + 1)) hits.push(at);
    const start = hits[Math.floor((hits.length - 1) / 2)] ?? 0;
    return { ...around, sentence: { start, end: start + own.text.length } };
  });

  servePage(app);
  return app;
}

export interface RunningService {
  app: FastifyInstance;
  /** e.g. `http://127.0.0.1:8080` */
  url: string;
  state: ServiceState;
  /** Resolves once the engine is loaded (rejects when the first load fails). */
  ready: Promise<void>;
  /** Stops watching the index and closes the server; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts listening at once (so /healthz answers and /readyz says 503), then loads the engine.
 *
 * @example
 * const service = await startService({ config });
 * await service.ready;
 * await fetch(`${service.url}/v1/answers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"question":"…"}' });
 */
export async function startService(options: { config: Config; logger?: Logger; loader?: EngineLoader; beforeLoad?: () => Promise<void> }): Promise<RunningService> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.logLevel);
  const state = new ServiceState();
  const app = await buildServer({ config, state, logger });
  await app.listen({ host: config.http.host, port: config.http.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`;
  const loopback = /^(127\.|localhost$|::1$|\[::1\]$)/.test(config.http.host);
  if (!loopback && !config.http.apiKeys.length) {
    logger.warn({ host: config.http.host }, 'listening beyond this machine without HTTP_API_KEYS: anyone who reaches this port can ask');
  }
  const loader = options.loader ?? indexEngineLoader(config);
  const ready = (async () => {
    try {
      await options.beforeLoad?.();
      const engine = await loader.load();
      state.slot = new EngineSlot(engine, loader, logger.child({ component: 'engine' }));
      state.slot.watch(config.discord.indexWatchMs);
      logger.info({ url, build: engine.buildId }, 'answer service ready');
    } catch (e) {
      state.loadError = e instanceof Error ? e : new Error(String(e));
      logger.error({ err: state.loadError }, 'could not load the index');
      throw state.loadError;
    }
  })();
  ready.catch(() => undefined); // reported through /readyz and to whoever awaits it
  let stopped = false;
  return {
    app,
    url,
    state,
    ready,
    async stop() {
      if (stopped) return;
      stopped = true;
      state.slot?.unwatch();
      await app.close();
    },
  };
}

/** For tests and tools: the problem object of a status (same as the service sends). */
export { problemOf, PROBLEM_TYPE };
export type { FastifyRequest };
