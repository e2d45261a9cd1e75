/**
 * `/source` (with autocomplete), `/sources` (paging), `/help`, command registration, and `/reload`
 * (permissions, failure, and the index watcher with the real index on disk).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PermissionFlagsBits } from 'discord.js';
import type { AnswerEngine } from '../../src/answer/api.js';
import { deployCommands } from '../../src/bot/deploy.js';
import { indexEngineLoader } from '../../src/answer/index-loader.js';
import { FakeDiscord, PERMISSIONS } from '../support/fake-discord.js';
import { realEngine, sleep, startTestBot, testConfig, type TestBot } from '../support/bot-harness.js';
import { createStubEngine, manyArticles } from '../support/stub-engine.js';

let fake: FakeDiscord;

beforeAll(async () => {
  fake = await FakeDiscord.start();
});
afterAll(async () => {
  await fake?.stop();
  expect(fake.unknownRoutes.map((r) => `${r.method} ${r.path}`)).toEqual([]);
});

describe('deploy-commands', () => {
  test('registers every command to the guild when DISCORD_GUILD_ID is set, globally otherwise', async () => {
    const guild = await deployCommands(testConfig(fake, { DISCORD_GUILD_ID: fake.guilds[0].id }));
    expect(guild).toMatchObject({ scope: 'guild', guildId: fake.guilds[0].id, commands: ['ask', 'source', 'sources', 'help', 'reload'] });
    const global = await deployCommands(testConfig(fake, { DISCORD_APPLICATION_ID: '' }));
    expect(global.scope).toBe('global');
    expect(global.applicationId).toBe(fake.applicationId);
    const put = fake.requests.find((r) => r.route === 'PUT /applications/:appId/commands')!;
    const reload = put.body.find((c: { name: string }) => c.name === 'reload');
    expect(reload.default_member_permissions).toBe(PermissionFlagsBits.ManageGuild.toString());
    const source = put.body.find((c: { name: string }) => c.name === 'source');
    expect(source.options[0]).toMatchObject({ name: 'id', autocomplete: true, required: true });
  });
});

describe('with the real index', () => {
  let bot: TestBot;
  let engine: AnswerEngine;
  beforeAll(async () => {
    ({ engine } = await realEngine());
    bot = await startTestBot(fake, { engine });
  }, 120_000);
  afterAll(() => bot?.stop());

  test('/source autocomplete suggests titles by prefix and fuzzy match, value = id', async () => {
    const iran = (await engine.sources()).find((s) => /iran/i.test(s.title))!;
    const r = await fake.waitForReply(fake.sendAutocomplete('source', { id: 'iran str' }, 'id'));
    expect(r.type).toBe(8);
    expect(r.choices[0].value).toBe(iran.id);
    expect(r.choices[0].name.startsWith(iran.title.slice(0, 60))).toBe(true);
    const fuzzy = await fake.waitForReply(fake.sendAutocomplete('source', { id: 'kery' }, 'id'));
    expect(fuzzy.choices.length).toBeGreaterThan(0);
    const all = await fake.waitForReply(fake.sendAutocomplete('source', { id: '' }, 'id'));
    expect(all.choices).toHaveLength((await engine.sources()).length);
    for (const c of all.choices) expect(c.name.length).toBeLessThanOrEqual(100);
  });

  test('/source shows metadata, first paragraph and the number of passages', async () => {
    const s = (await engine.sources())[2];
    const r = await fake.waitForReply(fake.sendSlashCommand('source', { id: s.id }));
    const e = r.embeds[0];
    expect(e.title).toBe(s.title);
    expect(e.fields.find((f: { name: string }) => f.name === 'Indexed').value).toContain(`${s.passages} passage`);
    expect(e.description.replace(/\\/g, '')).toContain(s.firstParagraph.slice(0, 30).replace(/\\/g, ''));
    const missing = await fake.waitForReply(fake.sendSlashCommand('source', { id: 'no-such-article-xyz' }));
    expect(missing.content).toMatch(/no article matching/);
    expect(missing.flags & 64).toBe(64);
  });

  test('/help explains that the bot only quotes', async () => {
    const r = await fake.waitForReply(fake.sendSlashCommand('help'));
    expect(r.embeds[0].description).toMatch(/only by quoting/);
  });
});

describe('with many articles', () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot(fake, { engine: createStubEngine({ articles: manyArticles(23) }) });
  });
  afterAll(() => bot?.stop());

  test('/sources pages with buttons', async () => {
    const first = await fake.waitForReply(fake.sendSlashCommand('sources'));
    expect(first.embeds[0].title).toBe('Sources · 23 articles');
    expect(first.embeds[0].footer.text).toContain('Page 1 of 3');
    const [prev, next] = first.components[0].components;
    expect(prev.disabled).toBe(true);
    const i = fake.clickButton(next.custom_id, first.message);
    const second = await fake.waitForReply(i);
    expect(second.type).toBe(7); // the list message is updated in place
    expect(second.embeds[0].footer.text).toContain('Page 2 of 3');
    expect(second.embeds[0].description).toContain('**11.**');
    const last = await fake.waitForReply(fake.clickButton(second.components[0].components[1].custom_id, fake.interactions.get(i.id)!.original));
    expect(last.embeds[0].footer.text).toContain('Page 3 of 3');
    expect(last.components[0].components[1].disabled).toBe(true);
  });

  test('autocomplete never offers more than 25 choices', async () => {
    const r = await fake.waitForReply(fake.sendAutocomplete('source', { id: 'story' }, 'id'));
    expect(r.choices).toHaveLength(23);
    await bot.stop();
    const big = await startTestBot(fake, { engine: createStubEngine({ articles: manyArticles(60) }) });
    try {
      const r2 = await fake.waitForReply(fake.sendAutocomplete('source', { id: '' }, 'id'));
      expect(r2.choices).toHaveLength(25);
    } finally {
      await big.stop();
    }
  });
});

describe('/reload', () => {
  const admin = PERMISSIONS.ManageGuild | PERMISSIONS.ViewChannel | PERMISSIONS.SendMessages;

  test('refuses without Manage Server, reloads with it, keeps serving when loading fails', async () => {
    let next = 2;
    let failing = false;
    const bot = await startTestBot(fake, {
      engine: createStubEngine({ buildId: 'build-1' }),
      engineLoader: {
        load: async () => {
          if (failing) throw new Error('The index manifest is invalid. Rebuild it with: npm run build-index -- --full');
          return createStubEngine({ buildId: `build-${next++}` });
        },
      },
    });
    try {
      const denied = await fake.waitForReply(fake.sendSlashCommand('reload', {}, { user: fake.alice }));
      expect(denied.content).toMatch(/Manage Server/);
      expect(denied.flags & 64).toBe(64);
      expect(bot.context.engines.current.buildId).toBe('build-1');

      const ok = await fake.waitForReply(fake.sendSlashCommand('reload', {}, { user: fake.admin, permissions: admin }));
      expect(ok.content).toContain('`build-1` → `build-2`');
      expect(bot.context.engines.current.buildId).toBe('build-2');

      failing = true;
      const failed = await fake.waitForReply(fake.sendSlashCommand('reload', {}, { user: fake.admin, permissions: admin }));
      expect(failed.content).toMatch(/still serving build `build-2`/);
      expect(failed.content).toContain('npm run build-index');
      expect(bot.context.engines.current.buildId).toBe('build-2');

      const dm = await fake.waitForReply(fake.sendSlashCommand('reload', {}, { dm: true, user: fake.admin }));
      expect(dm.content).toMatch(/Manage Server/);
    } finally {
      await bot.stop();
    }
  });

  test('the bot notices a rebuilt index on disk by itself', async () => {
    const { config: indexConfig } = await realEngine();
    const config = testConfig(fake, { INDEX_DIR: indexConfig.indexDir });
    config.discord.indexWatchMs = 100;
    const bot = await startTestBot(fake, { config, engineLoader: indexEngineLoader(config) });
    try {
      const before = bot.context.engines.current.buildId;
      const { buildIndex } = await import('../../src/index/build.js');
      const rebuilt = await buildIndex(config);
      for (let i = 0; i < 100 && bot.context.engines.current.buildId === before; i++) await sleep(50);
      expect(bot.context.engines.current.buildId).toBe(rebuilt.buildId);
      // And it answers with the new engine.
      const m = fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} How many air missions has the coalition flown?` });
      const r = await fake.waitFor((x) => x.body?.message_reference?.message_id === m.id, { timeout: 10_000 });
      expect(r.body.embeds.length).toBeGreaterThan(0);
    } finally {
      await bot.stop();
    }
  }, 60_000);
});
