/**
 * Discord behaviour, end to end with a stub engine (the answers do not matter here): deferral,
 * injection, rate limits, bots ignored, thread mode, REST failures, gateway resume, two shards,
 * bad tokens (in process and through `npm start`'s script).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { BotStartError, startBot } from '../../src/bot/client.js';
import { FakeDiscord, type RecordedRequest } from '../support/fake-discord.js';
import { captureLogger, ROUTES, sleep, startTestBot, testConfig, type TestBot } from '../support/bot-harness.js';
import { createStubEngine, STUB_NO_ANSWER } from '../support/stub-engine.js';

const QUESTION = 'How many missions has the coalition flown?';

function replyTo(fake: FakeDiscord, message: { id: string }, timeout = 5000): Promise<RecordedRequest> {
  return fake.waitFor((r) => r.route === ROUTES.message && r.body?.message_reference?.message_id === message.id, { timeout });
}

const botMessages = (fake: FakeDiscord) => fake.requests.filter((r) => r.route === ROUTES.message && r.status < 300);

describe('one bot, one shard', () => {
  let fake: FakeDiscord;
  let bot: TestBot;
  beforeAll(async () => {
    fake = await FakeDiscord.start({ heartbeatInterval: 500 });
    bot = await startTestBot(fake, { engine: createStubEngine(), env: { RATE_LIMIT_MAX: '100' } });
  });
  afterAll(async () => {
    await bot?.stop();
    await fake?.stop();
    expect(fake.unknownRoutes.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  test('identifies with the intents the bot needs, and heartbeats are acknowledged', async () => {
    const identify = await fake.waitForGateway((f) => f.dir === 'in' && f.op === 2);
    // Guilds | GuildMessages | DirectMessages | MessageContent
    expect(identify.d.intents).toBe((1 << 0) | (1 << 9) | (1 << 12) | (1 << 15));
    expect(identify.d.token).toBe('[token]');
    await fake.waitForGateway((f) => f.dir === 'out' && f.op === 11, { timeout: 3000 });
  });

  test('/ask replies directly when the engine is quick, defers when it is slow', async () => {
    const quick = await fake.waitForReply(fake.sendSlashCommand('ask', { question: QUESTION }));
    expect(quick.deferred).toBe(false);
    expect(quick.type).toBe(4);
    expect(quick.embeds).toHaveLength(3);
    const slow = await fake.waitForReply(fake.sendSlashCommand('ask', { question: `${QUESTION} slowly` }));
    expect(slow.deferred).toBe(true);
    expect(slow.embeds).toHaveLength(3);
    const empty = await fake.waitForReply(fake.sendSlashCommand('ask', { question: '   ' }));
    expect(empty.content).toMatch(/Ask me a question/);
  });

  test('a quote with @everyone, a user mention and markdown is escaped and pings nobody', async () => {
    const m = fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} what did the spokesman announcement say?` });
    const r = await replyTo(fake, m);
    expect(r.body.allowed_mentions).toEqual({ parse: [], replied_user: false });
    const d: string = r.body.embeds.map((e: { description: string }) => e.description).join('\n');
    expect(d).toContain('@\u200beveryone');
    expect(d).toContain('<\u200b@111111111111111111>');
    expect(d).toContain('\\*\\*announcement\\*\\*');
    expect(d).toContain('\\_final\\_');
    expect(d).not.toMatch(/(^|[^\u200b])@everyone/);
  });

  test('an off-topic question gets the abstain notice', async () => {
    const m = fake.sendMessage({ dm: true, content: 'zebra xylophone quantum' });
    const r = await replyTo(fake, m);
    expect(r.body.content).toBe(STUB_NO_ANSWER);
    expect(r.body.embeds).toEqual([]);
  });

  test('messages from bots (including its own) are ignored', async () => {
    const before = botMessages(fake).length;
    const otherBot = fake.createUser('otherbot', { bot: true });
    fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} ${QUESTION}`, author: otherBot });
    fake.sendMessage({ dm: true, content: QUESTION, author: otherBot });
    const human = fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} ${QUESTION}` });
    await replyTo(fake, human);
    await sleep(300);
    // One reply (to the human); the bot's own echoed reply did not trigger another.
    expect(botMessages(fake).length).toBe(before + 1);
  });

  test('a 429 on the reply is waited out and retried', async () => {
    fake.failNext(ROUTES.message, 429, { retryAfter: 0.3 });
    const m = fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} ${QUESTION}` });
    const r = await replyTo(fake, m);
    const attempts = fake.requests.filter((x) => x.route === ROUTES.message && x.body?.message_reference?.message_id === m.id);
    expect(attempts.map((a) => a.status)).toEqual([429, 200]);
    expect(r.at - attempts[0].at).toBeGreaterThanOrEqual(250);
  });

  test('a 500 is retried; a reply that keeps failing is logged and the bot carries on', async () => {
    fake.failNext(ROUTES.message, 500);
    const m = fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} ${QUESTION}` });
    await replyTo(fake, m);

    fake.failNext(ROUTES.message, 403, { times: 1 });
    const doomed = fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} ${QUESTION}` });
    for (let i = 0; i < 50 && !bot.logs.some((l) => l.includes('could not answer a message')); i++) await sleep(20);
    expect(bot.logs.some((l) => l.includes('could not answer a message') && l.includes(doomed.id))).toBe(true);
    const next = fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} ${QUESTION}` });
    await replyTo(fake, next);
  });

  test('after the gateway drops the socket, the bot resumes (missed events replayed) and answers', async () => {
    const identifies = () => fake.gatewayLog.filter((f) => f.dir === 'in' && f.op === 2).length;
    const before = identifies();
    const since = fake.gatewayLog.length;
    fake.closeSocket(4000);
    // Sent while the bot is disconnected: delivered by the replay after RESUME.
    const m = fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} ${QUESTION}` });
    await fake.waitForGateway((f) => f.dir === 'in' && f.op === 6, { since, timeout: 5000 });
    await fake.waitForGateway((f) => f.t === 'RESUMED', { since, timeout: 5000 });
    await replyTo(fake, m, 8000);
    expect(identifies()).toBe(before);
    const after = fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} ${QUESTION}` });
    await replyTo(fake, after);
  });
});

describe('rate limit', () => {
  let fake: FakeDiscord;
  let bot: TestBot;
  beforeAll(async () => {
    fake = await FakeDiscord.start();
    bot = await startTestBot(fake, { engine: createStubEngine(), env: { RATE_LIMIT_MAX: '2', RATE_LIMIT_WINDOW_SECONDS: '60' } });
  });
  afterAll(async () => {
    await bot?.stop();
    await fake?.stop();
  });

  test('a user over the limit is told once, kindly; others are unaffected', async () => {
    const ask = (author = fake.alice) => fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} ${QUESTION}`, author });
    await replyTo(fake, ask());
    await replyTo(fake, ask());
    const third = await replyTo(fake, ask());
    expect(third.body.content).toMatch(/asking faster than I can look things up.*try again in \d+ seconds/);
    expect(third.body.embeds).toEqual([]);
    const fourth = ask();
    await sleep(300);
    expect(fake.requests.some((r) => r.body?.message_reference?.message_id === fourth.id)).toBe(false);
    const bob = fake.createUser('bob');
    const other = await replyTo(fake, ask(bob));
    expect(other.body.embeds.length).toBe(3);
    const slash = await fake.waitForReply(fake.sendSlashCommand('ask', { question: QUESTION }));
    expect(slash.content).toMatch(/try again/);
    expect(slash.flags & 64).toBe(64);
  });
});

describe('thread mode', () => {
  let fake: FakeDiscord;
  let bot: TestBot;
  beforeAll(async () => {
    fake = await FakeDiscord.start();
    bot = await startTestBot(fake, { engine: createStubEngine(), env: { REPLY_IN_THREAD: 'true', ASK_CHANNEL_IDS: fake.channels.ask.id } });
  });
  afterAll(async () => {
    await bot?.stop();
    await fake?.stop();
    expect(fake.unknownRoutes).toEqual([]);
  });

  test('a channel question opens a thread on it; follow-ups in the thread need no mention', async () => {
    const q = fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} ${QUESTION}` });
    const thread = await fake.waitFor((r) => r.route === ROUTES.thread && r.params.messageId === q.id);
    expect(thread.body.name).toBe(QUESTION);
    const answer = await fake.waitFor((r) => r.route === ROUTES.message && r.params.channelId === q.id);
    expect(answer.body.embeds).toHaveLength(3);

    const followUp = fake.sendMessage({ channelId: thread.response.id, content: 'What did Kerry say about the campaign?' });
    const r = await replyTo(fake, followUp);
    expect(r.params.channelId).toBe(thread.response.id);
    expect(r.body.embeds.length).toBeGreaterThan(0);

    // Ask-channel questions get threads too; DMs are plain replies.
    const inAsk = fake.sendMessage({ channelId: fake.channels.ask.id, content: QUESTION });
    await fake.waitFor((x) => x.route === ROUTES.thread && x.params.messageId === inAsk.id);
    const dm = fake.sendMessage({ dm: true, content: QUESTION });
    await replyTo(fake, dm);
  });

  test('when the thread cannot be created, the bot replies in the channel', async () => {
    fake.failNext(ROUTES.thread, 403);
    const q = fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} ${QUESTION}` });
    const r = await replyTo(fake, q);
    expect(r.params.channelId).toBe(fake.channels.general.id);
  });
});

describe('sharding', () => {
  let fake: FakeDiscord;
  const bots: TestBot[] = [];
  beforeAll(async () => {
    fake = await FakeDiscord.start();
  });
  afterEach(async () => {
    await Promise.all(bots.map((b) => b.stop()));
  });
  afterAll(() => fake?.stop());

  test('two shards identify with [0,2] and [1,2] and each answers in its own guild', async () => {
    const engines = [createStubEngine(), createStubEngine()];
    const config = testConfig(fake);
    bots.push(await startTestBot(fake, { config, engine: engines[0], shards: { ids: [0], count: 2 } }));
    bots.push(await startTestBot(fake, { config, engine: engines[1], shards: { ids: [1], count: 2 } }));
    const shards = fake.gatewayLog.filter((f) => f.dir === 'in' && f.op === 2).map((f) => f.d.shard);
    expect(shards).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect(bots[0].client.guilds.cache.map((g) => g.name)).toEqual(['Newsroom']);
    expect(bots[1].client.guilds.cache.map((g) => g.name)).toEqual(['Annex']);

    const inA = fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} ${QUESTION}` });
    const inB = fake.sendMessage({ channelId: fake.channels.lobby.id, content: `${fake.mention()} what did Kerry say?` });
    await replyTo(fake, inA);
    await replyTo(fake, inB);
    expect(engines[0].calls).toEqual([QUESTION]);
    expect(engines[1].calls).toEqual(['what did Kerry say?']);
    // DMs go to shard 0.
    await replyTo(fake, fake.sendMessage({ dm: true, content: QUESTION }));
    expect(engines[0].calls).toHaveLength(2);
  });
});

describe('tokens', () => {
  let fake: FakeDiscord;
  beforeAll(async () => {
    fake = await FakeDiscord.start();
  });
  afterAll(() => fake?.stop());

  test('an invalid token fails fast with a clear message, and never appears in the logs', async () => {
    const bad = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.thisIsNotTheRightTokenAtAll_xyz';
    const config = testConfig(fake, { DISCORD_TOKEN: bad });
    const { logger, lines } = captureLogger();
    const t0 = Date.now();
    const err = await startBot({ config, engine: createStubEngine(), logger }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BotStartError);
    expect((err as Error).message).toMatch(/Discord rejected DISCORD_TOKEN \(401 Unauthorized\)/);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('')).not.toContain(bad);
    expect(lines.join('')).not.toContain(bad.split('.')[2]);
  });

  test('Message Content intent not enabled in the portal: a clear message, not a hang', async () => {
    const strict = await FakeDiscord.start({ disallowedIntents: 1 << 15 });
    try {
      const err = await startBot({ config: testConfig(strict), engine: createStubEngine(), logger: captureLogger().logger }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BotStartError);
      expect((err as Error).message).toMatch(/Message Content Intent/);
    } finally {
      await strict.stop();
    }
  });

  test('a missing token says what to set', async () => {
    const config = testConfig(fake, { DISCORD_TOKEN: '' });
    await expect(startBot({ config, engine: createStubEngine() })).rejects.toThrow(/DISCORD_TOKEN is not set/);
  });

  test('npm start with a bad token exits 1 with a clear message before building anything', async () => {
    const bad = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.Gxyzzy.anotherWrongTokenValue_9876543210';
    const root = path.resolve(import.meta.dirname, '../..');
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: root,
      env: { ...process.env, DISCORD_TOKEN: bad, DISCORD_API_URL: fake.apiUrl, LOG_LEVEL: 'trace', INDEX_DIR: path.join(root, '.tmp', 'no-index-here') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(out).toMatch(/Discord rejected DISCORD_TOKEN/);
    expect(out).not.toContain(bad);
    expect(out).not.toMatch(/building/);
  }, 30_000);
});
