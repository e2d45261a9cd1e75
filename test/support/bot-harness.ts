/**
 * Test plumbing around the bot's own start-up code: a config pointing at a FakeDiscord, a logger that
 * captures every line, and the real engine built once per test file from the bundled corpus.
 */
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { AnswerEngine } from '../../src/answer/api.js';
import { startBot, type RunningBot, type StartBotOptions } from '../../src/bot/client.js';
import { loadConfig, type Config } from '../../src/config.js';
import { tempDir } from './env.js';
import type { FakeDiscord } from './fake-discord.js';

/**
 * A Config for a bot logged in to `fake`: env-style overrides go through `loadConfig` like `.env` does.
 *
 * @example
 * const config = testConfig(fake, { ASK_CHANNEL_IDS: fake.channels.ask.id, RATE_LIMIT_MAX: '2' });
 */
export function testConfig(fake: FakeDiscord, env: Record<string, string> = {}): Config {
  const dir = tempDir();
  const config = loadConfig(
    {
      DISCORD_TOKEN: fake.token,
      DISCORD_API_URL: fake.apiUrl,
      DISCORD_APPLICATION_ID: fake.applicationId,
      FEEDBACK_LOG: path.join(dir, 'feedback.jsonl'),
      INDEX_DIR: path.join(dir, 'index'),
      INDEX_WATCH_SECONDS: '0',
      RATE_LIMIT_MAX: '100',
      MODEL_DIR: process.env.MODEL_DIR ?? '../shared/models',
      LOG_LEVEL: 'silent',
      ...env,
    },
    { dotenv: false },
  );
  return config;
}

/** A pino logger writing into an array (at trace level: every line the bot could log), e.g. `const { logger, lines } = captureLogger()`. */
export function captureLogger(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: 'trace' }, stream), lines };
}

export interface TestBot extends RunningBot {
  config: Config;
  logs: string[];
}

/**
 * Starts the bot (its real `startBot`) against the fake, with fast test timings.
 *
 * @example
 * const bot = await startTestBot(fake, { engine: createStubEngine() });
 */
export async function startTestBot(
  fake: FakeDiscord,
  options: Partial<StartBotOptions> & { env?: Record<string, string> } = {},
): Promise<TestBot> {
  const { env, ...rest } = options;
  const config = options.config ?? testConfig(fake, env);
  const { logger, lines } = captureLogger();
  const bot = await startBot({ deferAfterMs: 250, readyTimeoutMs: 10_000, logger, ...rest, config });
  return Object.assign(bot, { config, logs: lines });
}

let real: Promise<{ engine: AnswerEngine; config: Config }> | undefined;

/**
 * The real engine over the bundled corpus, built into a temp index once per test file (worker).
 *
 * @example
 * const { engine } = await realEngine();
 */
export function realEngine(): Promise<{ engine: AnswerEngine; config: Config }> {
  real ??= (async () => {
    const dir = tempDir('verbatim-index-');
    const config = loadConfig({ INDEX_DIR: path.join(dir, 'index'), MODEL_DIR: process.env.MODEL_DIR ?? '../shared/models', LOG_LEVEL: 'silent' }, { dotenv: false });
    const { buildIndex } = await import('../../src/index/build.js');
    const { openEngine } = await import('../../src/answer/engine.js');
    await buildIndex(config);
    return { engine: await openEngine(config), config };
  })();
  return real;
}

/** The route names of the requests the bot makes, for readable assertions. */
export const ROUTES = {
  message: 'POST /channels/:channelId/messages',
  thread: 'POST /channels/:channelId/messages/:messageId/threads',
  callback: 'POST /interactions/:id/:token/callback',
  editOriginal: 'PATCH /webhooks/:appId/:token/messages/:messageId',
  followUp: 'POST /webhooks/:appId/:token',
} as const;

/** Sleeps. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
