/**
 * The real bot over the shared index, behind a fresh fake Discord, as the reliability tests that
 * drive it from outside need it: the engine in its own process, the production deferral delay (1.5 s)
 * and its commands deployed.
 *
 * @example
 * const { fake, bot } = await startSharedBot({ RATE_LIMIT_MAX: '0' });
 * await stopSharedBot(fake, bot);
 */
import { expect } from 'vitest';
import { processEngineLoader, type ProcessEngineLoader } from '../../src/answer/engine-process.js';
import { deployCommands } from '../../src/bot/deploy.js';
import { isAlive } from '../../src/index/build.js';
import { FakeDiscord } from '../support/fake-discord.js';
import { startTestBot, type TestBot } from '../support/bot-harness.js';
import { sharedIndex } from './shared-index.js';

/** Each started bot's engine loader: its stop must end the engine's process. */
const loaders = new WeakMap<TestBot, ProcessEngineLoader>();

export async function startSharedBot(env: Record<string, string>): Promise<{ fake: FakeDiscord; bot: TestBot; indexDir: string }> {
  const { config } = await sharedIndex();
  const fake = await FakeDiscord.start();
  // As in production: the engine in a child process of the bot's, deferring only what takes over 1.5 s.
  const engineLoader = processEngineLoader(config);
  const bot = await startTestBot(fake, { engineLoader, deferAfterMs: 1500, env });
  loaders.set(bot, engineLoader);
  await deployCommands(bot.config);
  return { fake, bot, indexDir: config.indexDir };
}

/**
 * Stops the bot and the fake Discord, and checks that the bot's stop ended its engine process and that
 * it called no route the fake does not know.
 */
export async function stopSharedBot(fake: FakeDiscord | undefined, bot: TestBot | undefined): Promise<void> {
  const enginePid = bot && loaders.get(bot)?.pid;
  await bot?.stop();
  if (enginePid) expect(isAlive(enginePid), 'the engine process outlived the bot').toBe(false);
  await fake?.stop();
  expect(fake?.unknownRoutes.map((r) => `${r.method} ${r.path}`)).toEqual([]);
}
