/**
 * The bot's thin mode: an `AnswerEngine` that asks the answer service (`npm run serve`) over HTTP
 * instead of loading the model and the index, chosen when ANSWER_SERVICE_URL is set. Every shard
 * process then holds only discord.js; the index lives once, in the service. The build id follows the
 * service's (each response names it), so "Show context" still refuses quotes of an older build, and
 * the slot's watcher reloads when the service serves a new one.
 */
import type { AnswerEngine, AnswerOptions, QuoteContext, SourceInfo } from '../answer/api.js';
import type { Config } from '../config.js';
import { registerSecret } from '../log.js';
import type { Answer } from '../types.js';
import type { EngineLoader } from '../answer/engine-slot.js';

/** The service could not be reached, refused (429), or failed (5xx): "try again shortly". */
export class EngineUnavailableError extends Error {
  override name = 'EngineUnavailableError';
}

/** What users read when the answer service is unavailable. */
export const UNAVAILABLE = 'Answers are unavailable right now, try again shortly.';

const BUILD_HEADER = 'x-verbatim-build';
/** Longest question sent: the service refuses more (400), and the engine truncates far below it. */
const MAX_SENT_CHARS = 4000;
/** Sources rarely change (only with a new build): a short cache spares autocomplete a round trip per key. */
const SOURCES_TTL_MS = 30_000;

export interface RemoteOptions {
  /** The service's base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** One of the service's HTTP_API_KEYS. */
  key?: string;
  /** Per request (default 15 s: a question waits behind others at the service). */
  timeoutMs?: number;
}

/**
 * @example
 * const engine = await RemoteEngine.connect({ url: 'http://127.0.0.1:8080', key: process.env.ANSWER_SERVICE_KEY });
 * (await engine.answer('How many air missions has the coalition flown?')).quotes[0].source.publisher; // 'DW'
 */
export class RemoteEngine implements AnswerEngine {
  buildId: string;
  private sourcesCache: { buildId: string; at: number; sources: SourceInfo[] } | undefined;
  private readonly base: string;

  constructor(
    private readonly options: RemoteOptions,
    buildId = 'unknown',
  ) {
    this.base = options.url.replace(/\/+$/, '');
    this.buildId = buildId;
    registerSecret(options.key);
  }

  /**
   * An engine for the service, with the build id it serves now (from /readyz).
   *
   * @example
   * const engine = await RemoteEngine.connect({ url }); // throws EngineUnavailableError when the service is down or not ready
   */
  static async connect(options: RemoteOptions): Promise<RemoteEngine> {
    const engine = new RemoteEngine(options);
    engine.buildId = await engine.readyBuild();
    return engine;
  }

  /**
   * The build id the service reports as ready.
   *
   * @example
   * await engine.readyBuild(); // '20261130T120431-9d05a0'
   */
  async readyBuild(): Promise<string> {
    const r = await this.request<{ ready: boolean; buildId: string | null }>('/readyz', { allow: [503] });
    if (!r.body?.ready || !r.body.buildId) throw new EngineUnavailableError('The answer service is not ready yet.');
    return r.body.buildId;
  }

  async answer(question: string, options: AnswerOptions = {}): Promise<Answer> {
    // The engine reads at most its first 500 characters (and says so); the service takes 4,000 at most.
    const body = JSON.stringify({ question: question.slice(0, MAX_SENT_CHARS), ...(options.k !== undefined ? { k: options.k } : {}), ...(options.offset !== undefined ? { offset: options.offset } : {}) });
    const r = await this.request<Answer>('/v1/answers', { method: 'POST', body });
    return r.body!;
  }

  async sources(): Promise<SourceInfo[]> {
    const cached = this.sourcesCache;
    if (cached && cached.buildId === this.buildId && Date.now() - cached.at < SOURCES_TTL_MS) return cached.sources;
    const all: SourceInfo[] = [];
    for (let offset = 0; ; ) {
      const page = (await this.request<{ total: number; sources: SourceInfo[] }>(`/v1/sources?offset=${offset}&limit=500`)).body!;
      all.push(...page.sources);
      offset += page.sources.length;
      if (page.sources.length === 0 || offset >= page.total) break;
    }
    this.sourcesCache = { buildId: this.buildId, at: Date.now(), sources: all };
    return all;
  }

  async source(id: string): Promise<SourceInfo | undefined> {
    const r = await this.request<SourceInfo>(`/v1/sources/${encodeURIComponent(id)}`, { allow: [404] });
    return r.status === 404 ? undefined : r.body;
  }

  async context(sentenceId: number, radius = 2): Promise<QuoteContext | undefined> {
    if (!Number.isInteger(sentenceId) || sentenceId < 0) return undefined;
    const r = await this.request<QuoteContext>(`/v1/context/${sentenceId}?radius=${radius}&build=${encodeURIComponent(this.buildId)}`, { allow: [404, 409] });
    return r.status === 200 ? r.body : undefined;
  }

  /** One request; network failures, timeouts, 429 and 5xx become `EngineUnavailableError`. */
  private async request<T>(route: string, init: { method?: string; body?: string; allow?: number[] } = {}): Promise<{ status: number; body: T | undefined }> {
    let res: Response;
    try {
      res = await fetch(this.base + route, {
        method: init.method ?? 'GET',
        headers: {
          accept: 'application/json',
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(this.options.key ? { authorization: `Bearer ${this.options.key}` } : {}),
        },
        body: init.body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
      throw new EngineUnavailableError(`The answer service at ${this.base} did not answer (${cause}).`);
    }
    const build = res.headers.get(BUILD_HEADER);
    if (build) this.buildId = build;
    const text = await res.text().catch(() => '');
    let body: T | undefined;
    try {
      body = text ? (JSON.parse(text) as T) : undefined;
    } catch {
      body = undefined; // not JSON (a proxy's error page): the status decides below
    }
    if (res.ok && body === undefined && text) throw new EngineUnavailableError(`The answer service at ${this.base} sent something other than JSON.`);
    if (res.ok || init.allow?.includes(res.status)) return { status: res.status, body };
    const detail = (body as { detail?: string } | undefined)?.detail ?? res.statusText;
    if (res.status === 429 || res.status >= 500) throw new EngineUnavailableError(`The answer service refused (${res.status}): ${detail}`);
    // 400/401/404 here are this client's mistake (a wrong key, an unknown route): say so plainly.
    throw new Error(`The answer service answered ${res.status} to ${route.split('?')[0]}: ${detail}`);
  }
}

/**
 * The thin bot's loader: engines are clients of the service; `probe` asks /readyz for the build it
 * serves, so `EngineSlot.watch` follows the service's reloads. The first load does not wait for the
 * service: a shard starts (and says "unavailable") while the service is down, and recovers by itself.
 *
 * @example
 * const loader = remoteEngineLoader(config); // config.answerService.url = 'http://127.0.0.1:8080'
 * const bot = await startBot({ config, engineLoader: loader });
 */
export function remoteEngineLoader(config: Pick<Config, 'answerService'>): EngineLoader {
  const url = config.answerService.url;
  if (!url) throw new Error('remoteEngineLoader needs ANSWER_SERVICE_URL.');
  const options: RemoteOptions = { url, key: config.answerService.key };
  return {
    async load(previous) {
      try {
        return await RemoteEngine.connect(options);
      } catch (e) {
        if (previous || !(e instanceof EngineUnavailableError)) throw e;
        return new RemoteEngine(options); // build id learnt from the first answer, or by the watcher
      }
    },
    async probe() {
      try {
        return await new RemoteEngine(options).readyBuild();
      } catch {
        return undefined;
      }
    },
  };
}
