/**
 * Thin shards: the real bot, logged in to the fake Discord, with ANSWER_SERVICE_URL set, so every
 * answer, source and context comes from the started answer service over HTTP (with an API key).
 * The key flows (mention → quotes + buttons, More, Show context, /sources, /source, feedback), the
 * build id following the service's reloads, and the service going down and coming back.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { remoteEngineLoader, RemoteEngine, UNAVAILABLE } from '../../src/bot/remote-engine.js';
import type { RunningService } from '../../src/serve/server.js';
import { FakeDiscord, type RecordedRequest } from '../support/fake-discord.js';
import { ROUTES, sleep, startTestBot, testConfig, type TestBot } from '../support/bot-harness.js';
import { tempDir } from '../support/env.js';
import { call, cloneBuild, copySeedIndex, OFF_TOPIC, QUESTION, startTestService } from '../support/service.js';

const KEY = 'thin-shard-key-8d2e61';
let indexDir: string;
let service: RunningService;
let fake: FakeDiscord;
let bot: TestBot;

const auth = { authorization: `Bearer ${KEY}` };
const serviceEnv = () => ({ INDEX_DIR: indexDir, HTTP_API_KEYS: KEY, HTTP_RATE_LIMIT_MAX: '1000' });

beforeAll(async () => {
  indexDir = await copySeedIndex();
  service = await startTestService(serviceEnv(), { watchMs: 100 });
  fake = await FakeDiscord.start();
  const config = testConfig(fake, { ANSWER_SERVICE_URL: service.url, ANSWER_SERVICE_KEY: KEY });
  config.discord.indexWatchMs = 100;
  bot = await startTestBot(fake, { config, engineLoader: remoteEngineLoader(config), deferAfterMs: 0 });
}, 180_000);

afterAll(async () => {
  await bot?.stop();
  await service?.stop();
  await fake?.stop();
  expect(fake.unknownRoutes.map((r) => `${r.method} ${r.path}`)).toEqual([]);
});

function replyTo(message: { id: string }, timeout = 10_000): Promise<RecordedRequest> {
  return fake.waitFor((r) => r.route === ROUTES.message && r.body?.message_reference?.message_id === message.id, { timeout });
}
const mention = (q: string) => replyTo(fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} ${q}` }));
const buttonIds = (body: { components?: { components: { custom_id?: string }[] }[] }) => (body.components ?? []).flatMap((r) => r.components.map((c) => c.custom_id ?? ''));
const serviceAnswer = async (question: string, extra: object = {}) => (await call(service.url, '/v1/answers', { question, ...extra }, { headers: auth })).body;

describe('a thin shard answers through the service', () => {
  let reply: RecordedRequest;
  beforeAll(async () => {
    reply = await mention(QUESTION);
  });

  test('the engine is the service client, on the service build', () => {
    expect(bot.context.engines.current).toBeInstanceOf(RemoteEngine);
    expect(bot.context.engines.current.buildId).toBe(service.state.slot!.current.buildId);
  });

  test('a mention gets the quotes with citations and buttons', async () => {
    const answer = await serviceAnswer(QUESTION);
    expect(reply.body.embeds[0].title).toBe(`1. ${answer.quotes[0].source.title}`);
    expect(reply.body.embeds[0].description.replace(/\\/g, '')).toContain('roughly 1,000 coalition air missions');
    expect(reply.body.embeds[0].description).toContain('DW');
    const ids = buttonIds(reply.body);
    for (const p of ['vb:more:', 'vb:ctx:', 'vb:up:', 'vb:down:']) expect(ids.some((id) => id.startsWith(p))).toBe(true);
  });

  test('"More passages" posts the next quotes from the service', async () => {
    const more = buttonIds(reply.body).find((id) => id.startsWith('vb:more:'))!;
    const next = await fake.waitForReply(fake.clickButton(more, reply.response), { timeout: 10_000 });
    const second = await serviceAnswer(QUESTION, { k: 3, offset: 3 });
    if (second.quotes.length) expect(next.embeds[0].title).toBe(`4. ${second.quotes[0].source.title}`);
    else expect(next.content).toMatch(/No more passages/);
  });

  test('"Show context" shows the quote in its surroundings, the quote in bold', async () => {
    const ctx = buttonIds(reply.body).find((id) => id.startsWith('vb:ctx:'))!;
    const r = await fake.waitForReply(fake.clickButton(ctx, reply.response));
    expect(r.flags & 64).toBe(64);
    const answer = await serviceAnswer(QUESTION);
    expect(r.embeds[0].title).toBe(`Context · ${answer.quotes[0].source.title}`);
    expect(r.embeds[0].description).toContain('**');
  });

  test('👍 is recorded with the question, the quotes and the service build', async () => {
    const up = buttonIds(reply.body).find((id) => id.startsWith('vb:up:'))!;
    const r = await fake.waitForReply(fake.clickButton(up, reply.response));
    expect(r.content).toMatch(/Thanks/);
    const line = JSON.parse(fs.readFileSync(bot.config.discord.feedbackLog, 'utf8').trim().split('\n').pop()!);
    expect(line).toMatchObject({ vote: 'up', question: QUESTION, buildId: service.state.slot!.current.buildId });
    expect(line.quotes.length).toBe(3);
  });

  test('an off-topic question gets the abstention notice', async () => {
    const r = await mention(OFF_TOPIC);
    expect(r.body.embeds).toEqual([]);
    expect(r.body.content.replace(/\\/g, '')).toBe((await serviceAnswer(OFF_TOPIC)).notice);
  });

  test('a 4,000-character question is answered through the service, politely truncated', async () => {
    const long = `${QUESTION} ${'Please tell me more about the coalition. 🛩️ '.repeat(120)}`.slice(0, 4000);
    const r = await mention(long);
    expect(r.body.embeds.length + (r.body.content ? 1 : 0)).toBeGreaterThan(0);
    expect(JSON.stringify(r.body)).not.toContain('went wrong');
  });

  test('/sources lists the service\'s articles; /source autocompletes and shows one', async () => {
    const list = await fake.waitForReply(fake.sendSlashCommand('sources'));
    expect(list.embeds[0].title).toBe('Sources · 5 articles');
    const suggest = await fake.waitForReply(fake.sendAutocomplete('source', { id: 'iran str' }, 'id'));
    const iran = (await call(service.url, '/v1/sources?q=iran', undefined, { headers: auth })).body.sources[0];
    expect(suggest.choices[0].value).toBe(iran.id);
    const one = await fake.waitForReply(fake.sendSlashCommand('source', { id: iran.id }));
    expect(one.embeds[0].title).toBe(iran.title);
  });
});

describe('the service changes under the shard', () => {
  test('a rebuilt index at the service: the shard follows its build id, old context buttons say so', async () => {
    const old = await mention(QUESTION);
    cloneBuild(indexDir, 'thin-rebuilt-2');
    for (let i = 0; i < 100 && bot.context.engines.current.buildId !== 'thin-rebuilt-2'; i++) await sleep(100);
    expect(bot.context.engines.current.buildId).toBe('thin-rebuilt-2');
    const ctx = buttonIds(old.body).find((id) => id.startsWith('vb:ctx:'))!;
    const r = await fake.waitForReply(fake.clickButton(ctx, old.response));
    expect(r.content).toMatch(/index was updated/);
    const fresh = await mention(QUESTION);
    expect(fresh.body.embeds.length).toBeGreaterThan(0);
  }, 30_000);

  test('service down: "unavailable" replies; back up: answers again, by itself', async () => {
    const port = new URL(service.url).port;
    await service.stop();
    const down = await mention(QUESTION);
    expect(down.body.content).toBe(UNAVAILABLE);
    expect(down.body.embeds ?? []).toEqual([]);
    const slash = await fake.waitForReply(fake.sendSlashCommand('ask', { question: QUESTION }), { timeout: 10_000 });
    expect(slash.content).toBe(UNAVAILABLE);
    const sources = await fake.waitForReply(fake.sendSlashCommand('sources'));
    expect(sources.content).toBe(UNAVAILABLE);
    expect(sources.flags & 64).toBe(64);

    service = await startTestService({ ...serviceEnv(), HTTP_PORT: port });
    const back = await mention(QUESTION);
    expect(back.body.embeds[0].description.replace(/\\/g, '')).toContain('roughly 1,000 coalition air missions');
    expect(bot.logs.some((l) => l.includes('answer service unavailable'))).toBe(true);
    expect(bot.logs.join('')).not.toContain(KEY);
  }, 60_000);
});

describe('npm start in thin mode', () => {
  test('two shard processes answer through the service, with no index of their own', async () => {
    const ownFake = await FakeDiscord.start();
    const noIndex = path.join(tempDir('verbatim-thin-start-'), 'index');
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts', '--shards', '2'], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      env: {
        ...process.env,
        DISCORD_TOKEN: ownFake.token,
        DISCORD_API_URL: ownFake.apiUrl,
        ANSWER_SERVICE_URL: service.url,
        ANSWER_SERVICE_KEY: KEY,
        INDEX_DIR: noIndex,
        INDEX_WATCH_SECONDS: '0',
        LOG_LEVEL: 'info',
        FEEDBACK_LOG: path.join(noIndex, '..', 'feedback.jsonl'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    try {
      const identified = () => ownFake.gatewayLog.filter((f) => f.dir === 'in' && f.op === 2).length;
      for (let i = 0; i < 300 && identified() < 2 && child.exitCode === null; i++) await sleep(100);
      expect(identified(), output).toBe(2);
      for (const channel of [ownFake.channels.general, ownFake.channels.lobby]) {
        const m = ownFake.sendMessage({ channelId: channel.id, content: `${ownFake.mention()} ${QUESTION}` });
        const r = await ownFake.waitFor((x) => x.route === ROUTES.message && x.body?.message_reference?.message_id === m.id, { timeout: 20_000 });
        expect(r.body.embeds[0].description.replace(/\\/g, '')).toContain('roughly 1,000 coalition air missions');
      }
      // Nothing was built or loaded from disk: the index folder was never created.
      expect(fs.existsSync(noIndex)).toBe(false);
      expect(output).toContain('thin mode');
      expect(output).not.toContain(KEY);
      expect(output).not.toContain(ownFake.token);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      await ownFake.stop();
    }
  }, 90_000);
});
