/**
 * The bot's start-up, shared by `scripts/start.ts` (one process, or one shard process under the
 * ShardingManager) and the end-to-end tests: build the discord.js client, wire the handlers, log in,
 * wait until ready, start watching the index.
 */
import { once } from 'node:events';
import { Client, DiscordAPIError, Events, GatewayIntentBits, Partials, REST, Routes, type ClientOptions } from 'discord.js';
import type { Logger } from 'pino';
import type { AnswerEngine } from '../answer/api.js';
import type { Config } from '../config.js';
import { createLogger, registerSecret } from '../log.js';
import { AnswerCache } from './answer-cache.js';
import type { BotContext } from './context.js';
import { EngineSlot, type EngineLoader } from '../answer/engine-slot.js';
import * as interactionCreate from './events/interaction-create.js';
import * as messageCreate from './events/message-create.js';
import { FeedbackLog } from './feedback.js';
import { RateLimiter } from './rate-limit.js';

/**
 * A start-up problem worded for whoever runs the bot (no stack trace needed).
 *
 * @example
 * try { await startBot({ config, engine }); } catch (e) { if (e instanceof BotStartError) console.error(e.message); }
 */
export class BotStartError extends Error {
  override name = 'BotStartError';
}

export interface StartBotOptions {
  config: Config;
  /** A ready engine (tests, or a caller that loaded it). Give this, `engineLoader`, or both. */
  engine?: AnswerEngine;
  /** Loads engines; needed for `/reload` and the index watcher. Without `engine`, called once to start. */
  engineLoader?: EngineLoader;
  logger?: Logger;
  /** Shards this client runs (default: what the ShardingManager set, else one shard). */
  shards?: { ids: number[]; count: number };
  /** Quotes per answer (default 3). */
  k?: number;
  /** Defer an interaction when its work takes longer than this (default 1500 ms; ≤ 0: always defer). */
  deferAfterMs?: number;
  /** How many answers keep working buttons (default 1000). */
  answerCacheSize?: number;
  /** How long to wait for the gateway to become ready (default 60 s). */
  readyTimeoutMs?: number;
}

export interface RunningBot {
  client: Client<true>;
  context: BotContext;
  /** Logs out, stops the index watcher and the engine's process (if any); safe to call twice. */
  stop(): Promise<void>;
}

const INVALID_TOKEN =
  'Discord rejected DISCORD_TOKEN (401 Unauthorized). Copy the bot token again from the Developer Portal ' +
  '(your application → Bot → Reset Token) into .env as DISCORD_TOKEN=…';

function requireToken(config: Config): string {
  const token = config.discord.token?.replace(/^(Bot|Bearer)\s+/i, '');
  if (!token) {
    throw new BotStartError(
      'DISCORD_TOKEN is not set. Create a bot in the Discord Developer Portal (see docs/discord.md) and put its token in .env as DISCORD_TOKEN=…',
    );
  }
  registerSecret(token);
  return token;
}

/**
 * REST options for a config: the API base (`DISCORD_API_URL`, e.g. a proxy or the tests' fake) when set.
 *
 * @example
 * new REST(restOptions(config)).setToken(token);
 */
export function restOptions(config: Config): { api?: string } {
  return config.discord.apiUrl ? { api: config.discord.apiUrl.replace(/\/+$/, '') } : {};
}

/**
 * Checks the token with one cheap REST call (`GET /users/@me`) so that a bad token fails in a second,
 * before any index is built or model loaded. Resolves to the bot user's id and name.
 *
 * @example
 * const me = await verifyToken(config); // { id: '1234…', username: 'Verbatim' }
 */
export async function verifyToken(config: Config): Promise<{ id: string; username: string }> {
  const token = requireToken(config);
  const rest = new REST({ ...restOptions(config), retries: 1, timeout: 15_000 }).setToken(token);
  try {
    return (await rest.get(Routes.user('@me'))) as { id: string; username: string };
  } catch (e) {
    if (e instanceof DiscordAPIError && e.status === 401) throw new BotStartError(INVALID_TOKEN);
    throw new BotStartError(`Could not reach Discord to check the token: ${(e as Error).message}`);
  }
}

/**
 * The intents and partials the bot needs: guild messages with their content (ask channels, mentions),
 * DMs (the Channel partial lets DMs arrive on uncached channels).
 *
 * @example
 * const client = new Client(clientOptions(config, { ids: [0], count: 2 }));
 */
export function clientOptions(config: Config, shards?: StartBotOptions['shards']): ClientOptions {
  return {
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent, GatewayIntentBits.DirectMessages],
    partials: [Partials.Channel],
    allowedMentions: { parse: [], repliedUser: false },
    failIfNotExists: false,
    rest: restOptions(config),
    ...(shards ? { shards: shards.ids, shardCount: shards.count } : {}),
  };
}

/**
 * Starts the bot and resolves once it is connected and ready.
 *
 * @example
 * const bot = await startBot({ config, engineLoader: indexEngineLoader(config), logger });
 * process.once('SIGINT', () => void bot.stop());
 */
export async function startBot(options: StartBotOptions): Promise<RunningBot> {
  const { config } = options;
  const logger = (options.logger ?? createLogger(config.logLevel)).child({ component: 'bot' });
  const token = requireToken(config);

  let engine = options.engine;
  if (!engine) {
    if (!options.engineLoader) throw new BotStartError('startBot needs an engine or an engineLoader.');
    engine = await options.engineLoader.load();
  }
  const engines = new EngineSlot(engine, options.engineLoader, logger);
  const context: BotContext = {
    config,
    engines,
    answers: new AnswerCache(options.answerCacheSize ?? 1000),
    limiter: new RateLimiter(config.discord.rateLimit.max, config.discord.rateLimit.windowMs),
    feedback: new FeedbackLog(config.discord.feedbackLog),
    logger,
    k: options.k ?? 3,
    deferAfterMs: options.deferAfterMs ?? 1500,
  };

  const client = new Client(clientOptions(config, options.shards));
  // Handlers never throw into discord.js: each catches and logs its own errors.
  client.on(messageCreate.name, (m) => void messageCreate.execute(m, context).catch((e) => logger.error({ err: e }, 'message handler failed')));
  client.on(interactionCreate.name, (i) => void interactionCreate.execute(i, context).catch((e) => logger.error({ err: e }, 'interaction handler failed')));
  client.on(Events.Error, (e) => logger.error({ err: e }, 'discord client error'));
  client.on(Events.ShardError, (e, shard) => logger.error({ err: e, shard }, 'gateway shard error'));
  client.on(Events.Warn, (w) => logger.warn(w));
  client.on(Events.Debug, (d) => logger.trace(d));
  client.on(Events.ShardDisconnect, (ev, shard) => logger.warn({ shard, code: ev.code }, 'shard disconnected'));
  client.on(Events.ShardResume, (shard, replayed) => logger.info({ shard, replayed }, 'shard resumed'));
  client.on(Events.ShardReconnecting, (shard) => logger.info({ shard }, 'shard reconnecting'));
  client.rest.on('rateLimited', (info) => logger.warn({ route: info.route, retryAfter: info.retryAfter, global: info.global }, 'REST rate limited'));

  const ready = once(client, Events.ClientReady);
  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await client.login(token);
    await Promise.race([
      ready,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new BotStartError(`The gateway did not become ready within ${timeoutMs / 1000} s.`)), timeoutMs);
      }),
    ]);
  } catch (e) {
    await client.destroy().catch(() => undefined);
    await engines.close().catch(() => undefined); // the engine's process, if any: nobody will use it
    throw toStartError(e);
  } finally {
    clearTimeout(timer);
  }

  const ready_ = client as Client<true>;
  logger.info(
    { user: ready_.user.tag, guilds: ready_.guilds.cache.size, shards: ready_.ws.shards.map((s) => s.id), build: engines.current.buildId },
    'Verbatim is online',
  );
  engines.watch(config.discord.indexWatchMs);

  let stopped = false;
  return {
    client: ready_,
    context,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await client.destroy();
      } finally {
        await engines.close();
      }
    },
  };
}

function toStartError(e: unknown): Error {
  if (e instanceof BotStartError) return e;
  const err = e as { code?: string; status?: number; message?: string };
  if (err?.code === 'TokenInvalid' || err?.status === 401) return new BotStartError(INVALID_TOKEN);
  if (err?.code === 'DisallowedIntents' || /disallowed intents/i.test(err?.message ?? '')) {
    return new BotStartError(
      'Discord refused the Message Content intent. Turn on "Message Content Intent" in the Developer Portal (your application → Bot → Privileged Gateway Intents).',
    );
  }
  return new BotStartError(`Could not connect to Discord: ${err?.message ?? String(e)}`);
}
