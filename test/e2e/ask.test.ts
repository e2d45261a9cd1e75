/**
 * Asking, end to end: the real discord.js client, logged in to the fake Discord, answering with the
 * real engine over the bundled corpus.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AnswerEngine } from '../../src/answer/api.js';
import { deployCommands } from '../../src/bot/deploy.js';
import { FakeDiscord, type RecordedRequest } from '../support/fake-discord.js';
import { realEngine, ROUTES, startTestBot, type TestBot } from '../support/bot-harness.js';
import { tentativeQuestion } from '../support/tentative.js';
import { TENTATIVE } from '../../src/answer/engine.js';

let fake: FakeDiscord;
let bot: TestBot;
let engine: AnswerEngine;

const QUESTION = 'How many air missions has the coalition flown?';
const OFF_TOPIC = 'What is the best recipe for pizza dough?';

beforeAll(async () => {
  ({ engine } = await realEngine());
  fake = await FakeDiscord.start();
  // deferAfterMs 0: /ask always defers first here (the quick path is covered in discord.test.ts).
  bot = await startTestBot(fake, { engine, deferAfterMs: 0, env: { ASK_CHANNEL_IDS: fake.channels.ask.id } });
  await deployCommands(bot.config);
}, 120_000);

afterAll(async () => {
  await bot?.stop();
  await fake?.stop();
  expect(fake.unknownRoutes.map((r) => `${r.method} ${r.path}`)).toEqual([]);
});

/** The bot's reply to a user message. */
function replyTo(message: { id: string }, timeout = 10_000): Promise<RecordedRequest> {
  return fake.waitFor((r) => r.route === ROUTES.message && r.body?.message_reference?.message_id === message.id, { timeout });
}

/** An answer's embeds: each a block quote followed by its citation line. */
function expectVerbatimQuotes(embeds: { description?: string; title?: string }[]) {
  expect(embeds.length).toBeGreaterThan(0);
  for (const e of embeds) {
    expect(e.description).toMatch(/^> /);
    expect(e.description).toMatch(/\n\n— /);
  }
}

function buttonIds(body: { components?: { components: { custom_id?: string }[] }[] }): string[] {
  return (body.components ?? []).flatMap((r) => r.components.map((c) => c.custom_id ?? ''));
}

describe('asking', () => {
  test('a mention is answered with quotes and citations, replying to the message without pinging', async () => {
    const m = fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} ${QUESTION}` });
    const r = await replyTo(m);
    expectVerbatimQuotes(r.body.embeds);
    expect(r.body.allowed_mentions).toEqual({ parse: [], replied_user: false });
    const answer = await engine.answer(QUESTION);
    // The first embed quotes the engine's first quote (escaped): same text, same source.
    expect(r.body.embeds[0].title).toBe(`1. ${answer.quotes[0].source.title}`);
    expect(r.body.embeds[0].description.replace(/\\/g, '')).toContain(answer.quotes[0].text.slice(0, 40).replace(/\\/g, ''));
    expect(buttonIds(r.body).some((id) => id.startsWith('vb:ctx:'))).toBe(true);
  });

  test('a message in an ask channel needs no mention; other channels are ignored', async () => {
    const ignored = fake.sendMessage({ channelId: fake.channels.general.id, content: QUESTION });
    const m = fake.sendMessage({ channelId: fake.channels.ask.id, content: QUESTION });
    const r = await replyTo(m);
    expectVerbatimQuotes(r.body.embeds);
    expect(fake.requests.some((x) => x.body?.message_reference?.message_id === ignored.id)).toBe(false);
  });

  test('a DM is answered', async () => {
    const m = fake.sendMessage({ dm: true, content: QUESTION });
    const r = await replyTo(m);
    expect(r.params.channelId).toBe(fake.dmChannel(fake.alice).id);
    expectVerbatimQuotes(r.body.embeds);
  });

  test('/ask defers, then edits the reply with the quotes', async () => {
    const i = fake.sendSlashCommand('ask', { question: QUESTION });
    const reply = await fake.waitForReply(i, { timeout: 10_000 });
    expect(reply.deferred).toBe(true);
    expectVerbatimQuotes(reply.embeds);
    expect(reply.allowed_mentions.parse).toEqual([]);
  });

  test('an off-topic question abstains plainly', async () => {
    const m = fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} ${OFF_TOPIC}` });
    const r = await replyTo(m);
    const expected = (await engine.answer(OFF_TOPIC)).notice!;
    expect(r.body.embeds).toEqual([]);
    expect(r.body.content.replace(/\\/g, '')).toBe(expected);
    expect(buttonIds(r.body).some((id) => id.startsWith('vb:more'))).toBe(false);
  });

  test('an on-topic question the articles leave open: quotes under a plain "not sure", never as a sure answer', async () => {
    const { question } = await tentativeQuestion(engine);
    const m = fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} ${question}` });
    const r = await replyTo(m);
    expect(r.body.content.replace(/\\/g, '')).toBe(TENTATIVE);
    expectVerbatimQuotes(r.body.embeds);
    // A sure answer carries no such line.
    const sure = await replyTo(fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} ${QUESTION}` }));
    expect(sure.body.content ?? '').not.toContain(TENTATIVE);
  });

  test('an empty mention gets a helpful message', async () => {
    const m = fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()}   ` });
    const r = await replyTo(m);
    expect(r.body.content).toMatch(/Ask me a question/);
    expect(r.body.content).toContain('/ask');
  });

  test('a 4,000-character question is answered or politely truncated, without crashing', async () => {
    const long = `${QUESTION} ${'Please tell me more about the coalition. '.repeat(100)}`.slice(0, 4000);
    const m = fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} ${long}` });
    const r = await replyTo(m);
    expect(r.body.embeds.length + (r.body.content ? 1 : 0)).toBeGreaterThan(0);
    for (const e of r.body.embeds) expect(e.description.length).toBeLessThanOrEqual(4096);
    // The bot still answers afterwards.
    const again = fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} ${QUESTION}` });
    await replyTo(again);
  });

  test('@everyone in a question pings nobody', async () => {
    const m = fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} @everyone @here ${QUESTION}` });
    const r = await replyTo(m);
    expect(r.body.allowed_mentions.parse).toEqual([]);
    expect(JSON.stringify(r.body)).not.toMatch(/@everyone|@here/);
  });
});

describe('buttons', () => {
  let reply: RecordedRequest;
  beforeAll(async () => {
    const m = fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} ${QUESTION}` });
    reply = await replyTo(m);
  });

  test('"More passages" posts the next quotes', async () => {
    const more = buttonIds(reply.body).find((id) => id.startsWith('vb:more:'));
    expect(more).toMatch(/:3$/);
    const next = await fake.waitForReply(fake.clickButton(more!, reply.response), { timeout: 10_000 });
    const first = await engine.answer(QUESTION);
    const second = await engine.answer(QUESTION, { k: 3, offset: 3 });
    if (second.quotes.length) {
      expect(next.embeds[0].title).toBe(`4. ${second.quotes[0].source.title}`);
      expect(next.embeds.map((e: { description: string }) => e.description)).not.toContain(reply.body.embeds[0].description);
    } else {
      expect(next.content).toMatch(/No more passages/);
    }
    expect(first.quotes.length).toBe(3);
  });

  test('"Show context" shows the first quote in its surroundings, only to the clicker', async () => {
    const ctx = buttonIds(reply.body).find((id) => id.startsWith('vb:ctx:'))!;
    const r = await fake.waitForReply(fake.clickButton(ctx, reply.response));
    expect(r.flags & 64).toBe(64);
    const answer = await engine.answer(QUESTION);
    const expected = (await engine.context(answer.quotes[0].sentenceId))!;
    expect(r.embeds[0].title).toBe(`Context · ${expected.source.title}`);
    expect(r.embeds[0].description).toContain('**');
    expect(r.embeds[0].description.length).toBeGreaterThan(reply.body.embeds[0].description.length / 2);
  });

  test('👍 and 👎 append JSONL lines with the question and the quote ids', async () => {
    const [up, down] = ['vb:up:', 'vb:down:'].map((p) => buttonIds(reply.body).find((id) => id.startsWith(p))!);
    const r1 = await fake.waitForReply(fake.clickButton(up, reply.response));
    expect(r1.content).toMatch(/Thanks/);
    await fake.waitForReply(fake.clickButton(down, reply.response, { user: fake.admin }));
    const lines = fs.readFileSync(bot.config.discord.feedbackLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.vote)).toEqual(['up', 'down']);
    const answer = await engine.answer(QUESTION);
    expect(lines[0]).toMatchObject({
      question: answer.question,
      buildId: engine.buildId,
      userId: fake.alice.id,
      quotes: answer.quotes.map((q) => ({ sentenceId: q.sentenceId, sourceId: q.source.id })),
    });
    expect(lines[1].userId).toBe(fake.admin.id);
  });

  test('a button whose answer has expired gets a polite message', async () => {
    const r = await fake.waitForReply(fake.clickButton('vb:more:gone1234:3', reply.response));
    expect(r.content).toMatch(/too old/);
    expect(r.flags & 64).toBe(64);
  });
});
