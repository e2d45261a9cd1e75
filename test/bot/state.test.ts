import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import pino from 'pino';
import { AnswerCache } from '../../src/bot/answer-cache.js';
import { EngineSlot } from '../../src/answer/engine-slot.js';
import { FeedbackLog } from '../../src/bot/feedback.js';
import { RateLimiter, rateLimitMessage } from '../../src/bot/rate-limit.js';
import { rankSources } from '../../src/answer/source-search.js';
import { questionFromMessage } from '../../src/bot/asking.js';
import { createStubEngine, manyArticles } from '../support/stub-engine.js';

describe('RateLimiter', () => {
  test('allows max per sliding window, warns once, then frees up', () => {
    const l = new RateLimiter(2, 1000);
    expect(l.take('u', 0).ok).toBe(true);
    expect(l.take('u', 100).ok).toBe(true);
    const refused = l.take('u', 200);
    expect(refused).toEqual({ ok: false, retryAfterMs: 800, firstRefusal: true });
    expect(l.take('u', 300)).toMatchObject({ ok: false, firstRefusal: false });
    expect(l.take('other', 300).ok).toBe(true);
    expect(l.take('u', 1001).ok).toBe(true);
    expect(new RateLimiter(0, 1000).take('u').ok).toBe(true);
    expect(rateLimitMessage(12_300)).toContain('13 seconds');
  });
});

describe('AnswerCache', () => {
  const a = { question: 'q', abstained: false, quotes: [], ms: 1, timings: { embedMs: 0, searchMs: 0, selectMs: 0 } };
  test('evicts least recently used and expired entries', () => {
    const c = new AnswerCache(2, 1000);
    const k1 = c.put(a, { k: 3, offset: 0, buildId: 'b' }, 0);
    const k2 = c.put(a, { k: 3, offset: 0, buildId: 'b' }, 0);
    expect(c.get(k1, 10)).toBeDefined(); // k1 now most recent
    const k3 = c.put(a, { k: 3, offset: 0, buildId: 'b' }, 10);
    expect(c.get(k2, 10)).toBeUndefined();
    expect(c.get(k3, 2000)).toBeUndefined();
    expect(k1).toMatch(/^[A-Za-z0-9_-]{8}$/);
  });
});

describe('FeedbackLog', () => {
  test('appends one JSON line per vote, creating the folder', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fb-')), 'sub', 'f.jsonl');
    const log = new FeedbackLog(file);
    const entry = { at: 'now', vote: 'up' as const, question: 'q', quotes: [{ sentenceId: 1, sourceId: 's' }], abstained: false, buildId: 'b', answerKey: 'k', userId: 'u', guildId: null, channelId: null };
    await Promise.all([log.record(entry), log.record({ ...entry, vote: 'down' })]);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.vote)).toEqual(['up', 'down']);
  });
});

describe('EngineSlot', () => {
  test('keeps serving the old engine when a reload fails, swaps on success', async () => {
    let fail = true;
    const slot = new EngineSlot(createStubEngine({ buildId: 'one' }), {
      load: async () => {
        if (fail) throw new Error('index corrupt');
        return createStubEngine({ buildId: 'two' });
      },
    }, pino({ level: 'silent' }));
    const r1 = await slot.reload();
    expect(r1).toMatchObject({ ok: false, current: 'one' });
    expect(slot.current.buildId).toBe('one');
    fail = false;
    expect(await slot.reload()).toMatchObject({ ok: true, previous: 'one', current: 'two', changed: true });
    expect(slot.current.buildId).toBe('two');
  });
});

describe('source ranking', () => {
  test('prefix first, at most 25, fuzzy for typos', async () => {
    const sources = await createStubEngine({ articles: manyArticles(40) }).sources();
    expect(rankSources(sources, '', 25)).toHaveLength(25);
    const iran = rankSources(sources, 'iran', 25);
    expect(iran.length).toBe(10);
    expect(iran.every((r) => r.source.title.startsWith('Iran'))).toBe(true);
    expect(rankSources(sources, 'art-01', 25)[0].source.id).toBe('art-010');
    expect(rankSources(sources, 'story number 17')[0].source.title).toBe('Markets story number 17');
    expect(rankSources(sources, 'markts').some((r) => r.source.title.startsWith('Markets'))).toBe(true);
    expect(rankSources(sources, 'zzzzqqq')).toEqual([]);
  });
});

test('questionFromMessage strips only the bot mention', () => {
  expect(questionFromMessage('<@42>  How   many? <@!42> <@7>', '42')).toBe('How many? <@7>');
});
