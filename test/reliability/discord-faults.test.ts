/**
 * Discord faults the e2e tests do not already cover (they cover: 429 and 500 on a message reply, a
 * 403 that keeps failing, one resumable socket close). Here: 429 and 500 on the interaction paths
 * (callback, deferred edit), a run of 429s, an interaction answered after Discord forgot it (404
 * Unknown Interaction 10062, quick and deferred), an expired webhook token after a deferral, a 500
 * that never stops, a session the gateway refuses to resume, and a flapping socket. After each
 * fault the bot still answers; nothing is left unhandled.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FakeDiscord, type RecordedRequest } from '../support/fake-discord.js';
import { ROUTES, sleep, startTestBot, type TestBot } from '../support/bot-harness.js';
import { createStubEngine } from '../support/stub-engine.js';
import { recordReliability } from './report.js';

const QUESTION = 'How many missions has the coalition flown?';

let fake: FakeDiscord;
let bot: TestBot;
const survived: string[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  fake = await FakeDiscord.start({ heartbeatInterval: 500 });
  bot = await startTestBot(fake, { engine: createStubEngine({ slowMs: 400 }), deferAfterMs: 250, env: { RATE_LIMIT_MAX: '0' } });
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await bot?.stop();
  await fake?.stop();
  expect(fake.unknownRoutes.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  recordReliability('discordFaults', { faultsSurvived: survived.length, faults: survived, unhandledRejections: unhandled.length });
});

const attempts = (pred: (r: RecordedRequest) => boolean) => fake.requests.filter(pred);

/** The bot still answers a plain mention (after every fault). */
async function stillAnswers(): Promise<void> {
  const m = fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} ${QUESTION}` });
  const r = await fake.waitFor((x) => x.route === ROUTES.message && x.body?.message_reference?.message_id === m.id, { timeout: 10_000 });
  expect(r.body.embeds.length).toBeGreaterThan(0);
}

async function waitForLog(pattern: RegExp, from: number, timeoutMs = 5000): Promise<string> {
  for (let waited = 0; waited < timeoutMs; waited += 25) {
    const hit = bot.logs.slice(from).find((l) => pattern.test(l));
    if (hit) return hit;
    await sleep(25);
  }
  throw new Error(`no log line matching ${pattern} within ${timeoutMs} ms`);
}

describe('REST faults on interactions', () => {
  test('429 on the interaction callback: Retry-After is honoured, the reply still lands within 3 s', async () => {
    fake.failNext(ROUTES.callback, 429, { retryAfter: 0.5 });
    const i = fake.sendSlashCommand('ask', { question: QUESTION });
    const reply = await fake.waitForReply(i, { timeout: 10_000 });
    expect(reply.embeds.length).toBeGreaterThan(0);
    const tries = attempts((r) => r.route === ROUTES.callback && r.params.id === i.id);
    expect(tries.map((t) => t.status)).toEqual([429, 204]);
    expect(tries[1].at - tries[0].at).toBeGreaterThanOrEqual(450);
    const sent = fake.gatewayLog.find((f) => f.t === 'INTERACTION_CREATE' && f.d.id === i.id)!;
    expect(tries[1].at - sent.at).toBeLessThan(3000);
    survived.push('429 on interaction callback');
  });

  test('a run of three 429s on a message reply: each waited out, the reply delivered once', async () => {
    fake.failNext(ROUTES.message, 429, { retryAfter: 0.2, times: 3 });
    const m = fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} ${QUESTION}` });
    await fake.waitFor((x) => x.route === ROUTES.message && x.body?.message_reference?.message_id === m.id, { timeout: 10_000 });
    const tries = attempts((r) => r.route === ROUTES.message && r.body?.message_reference?.message_id === m.id);
    expect(tries.map((t) => t.status)).toEqual([429, 429, 429, 200]);
    for (let k = 1; k < tries.length; k++) expect(tries[k].at - tries[k - 1].at).toBeGreaterThanOrEqual(150);
    survived.push('three 429s in a row on a reply');
  });

  test('429 and 500 on the deferred edit: both retried, the answer replaces "thinking…"', async () => {
    fake.failNext(ROUTES.editOriginal, 429, { retryAfter: 0.3 });
    const slow = fake.sendSlashCommand('ask', { question: `${QUESTION} slowly` });
    const r1 = await fake.waitForReply(slow, { timeout: 10_000 });
    expect(r1.deferred).toBe(true);
    expect(r1.embeds.length).toBeGreaterThan(0);
    expect(attempts((r) => r.route === ROUTES.editOriginal && r.params.token === slow.token).map((t) => t.status)).toEqual([429, 200]);

    fake.failNext(ROUTES.editOriginal, 500);
    const slow2 = fake.sendSlashCommand('ask', { question: `${QUESTION} slowly` });
    const r2 = await fake.waitForReply(slow2, { timeout: 10_000 });
    expect(r2.embeds.length).toBeGreaterThan(0);
    expect(attempts((r) => r.route === ROUTES.editOriginal && r.params.token === slow2.token).map((t) => t.status)).toEqual([500, 200]);
    survived.push('429 on deferred edit', '500 on deferred edit');
  });

  test('500 on the callback is retried', async () => {
    fake.failNext(ROUTES.callback, 500);
    const i = fake.sendSlashCommand('ask', { question: QUESTION });
    const reply = await fake.waitForReply(i, { timeout: 10_000 });
    expect(reply.embeds.length).toBeGreaterThan(0);
    expect(attempts((r) => r.route === ROUTES.callback && r.params.id === i.id).map((t) => t.status)).toEqual([500, 204]);
    survived.push('500 on interaction callback');
  });

  test('a 500 that never stops: bounded retries, logged, and the bot carries on', async () => {
    const from = bot.logs.length;
    fake.failNext(ROUTES.callback, 500, { times: 1000 });
    const i = fake.sendSlashCommand('ask', { question: QUESTION });
    await waitForLog(/could not tell the user/, from, 20_000);
    const tries = attempts((r) => r.route === ROUTES.callback && r.params.id === i.id);
    expect(tries.length).toBeGreaterThan(1);
    expect(tries.length).toBeLessThanOrEqual(10); // the reply and the apology, each with bounded retries
    fake.clearFailures();
    await stillAnswers();
    survived.push('persistent 500 on interaction callback');
  }, 60_000);
});

describe('interactions Discord no longer knows', () => {
  test('an interaction answered after 3 s (404 Unknown Interaction 10062): logged, no crash, the next one works', async () => {
    // Quick path: the reply itself is refused.
    const from = bot.logs.length;
    const late = fake.sendSlashCommand('ask', { question: QUESTION });
    fake.interactions.delete(late.id);
    await waitForLog(/Unknown interaction/, from);
    const refused = attempts((r) => r.route === ROUTES.callback && r.params.id === late.id);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.status === 404 && r.response.code === 10062)).toBe(true);

    // Deferred path: the deferral is refused, then the reply.
    const from2 = bot.logs.length;
    const lateSlow = fake.sendSlashCommand('ask', { question: `${QUESTION} slowly` });
    fake.interactions.delete(lateSlow.id);
    await waitForLog(/could not defer the interaction/, from2);
    await waitForLog(/interaction handler failed/, from2);

    const next = await fake.waitForReply(fake.sendSlashCommand('ask', { question: QUESTION }), { timeout: 10_000 });
    expect(next.embeds.length).toBeGreaterThan(0);
    await stillAnswers();
    survived.push('interaction older than 3 s (10062), quick path', 'interaction older than 3 s (10062), deferred path');
  });

  test('a webhook token that expired after the deferral (404 Unknown Webhook): logged, no crash', async () => {
    const from = bot.logs.length;
    const i = fake.sendSlashCommand('ask', { question: `${QUESTION} slowly` });
    await fake.waitFor((r) => r.route === ROUTES.callback && r.params.id === i.id && r.body?.type === 5, { timeout: 5000 });
    fake.interactions.delete(i.id);
    await waitForLog(/interaction handler failed|could not tell the user/, from);
    await stillAnswers();
    survived.push('expired webhook token after deferral (10015)');
  });
});

describe('gateway faults', () => {
  test('a session the gateway will not resume (INVALID_SESSION): the bot identifies again and answers', async () => {
    const identifies = () => fake.gatewayLog.filter((f) => f.dir === 'in' && f.op === 2).length;
    const before = identifies();
    const since = fake.gatewayLog.length;
    fake.closeSocket(4000);
    for (const s of fake.sessions.values()) s.ended = true; // forget it: RESUME gets INVALID_SESSION
    await fake.waitForGateway((f) => f.dir === 'out' && f.op === 9, { since, timeout: 10_000 });
    await fake.waitForGateway((f) => f.dir === 'in' && f.op === 2, { since, timeout: 15_000 });
    await fake.waitForGateway((f) => f.t === 'READY', { since, timeout: 10_000 });
    expect(identifies()).toBe(before + 1);
    for (let i = 0; i < 100 && !bot.client.isReady(); i++) await sleep(50);
    await stillAnswers();
    survived.push('session invalidated on resume (re-identify)');
  }, 40_000);

  test('a socket dropped three times in a row: the bot resumes each time and answers', async () => {
    for (let k = 0; k < 3; k++) {
      const since = fake.gatewayLog.length;
      fake.closeSocket(4000);
      await fake.waitForGateway((f) => f.t === 'RESUMED', { since, timeout: 10_000 });
    }
    await stillAnswers();
    expect(unhandled).toEqual([]);
    survived.push('socket dropped three times (resume)');
  }, 40_000);
});
