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
import { processEngineLoader } from '../../src/answer/engine-process.js';
import { deployCommands } from '../../src/bot/deploy.js';
import { FakeDiscord } from '../support/fake-discord.js';
import { startTestBot, type TestBot } from '../support/bot-harness.js';
import { sharedIndex } from './shared-index.js';

export async function startSharedBot(env: Record<string, string>): Promise<{ fake: FakeDiscord; bot: TestBot; indexDir: string }> {
  const { config } = await sharedIndex();
  const fake = await FakeDiscord.start();
  // As in production: the engine in a child process of the bot's, deferring only what takes over 1.5 s.
  const bot = await startTestBot(fake, { engineLoader: processEngineLoader(config), deferAfterMs: 1500, env });
  await deployCommands(bot.config);
  return { fake, bot, indexDir: config.indexDir };
}

/** Stops the bot and the fake Discord, and checks the bot called no route the fake does not know. */
export async function stopSharedBot(fake: FakeDiscord | undefined, bot: TestBot | undefined): Promise<void> {
  await bot?.stop();
  await fake?.stop();
  expect(fake?.unknownRoutes.map((r) => `${r.method} ${r.path}`)).toEqual([]);
}
