/**
 * The answer service over real HTTP, with the real engine on the seed corpus: answers, paging,
 * sources, context, problem details (400/404/409/413/415/429), API keys, health, readiness, metrics,
 * OpenAPI, reloads (a rebuilt index is picked up, a broken one keeps the last good serving), 200
 * concurrent requests, and keys never reaching the log.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { AnswerEngine } from '../../src/answer/api.js';
import type { RunningService } from '../../src/serve/server.js';
import { answer as answerSchema } from '../../src/serve/schemas.js';
import { captureLogger, sleep } from '../support/bot-harness.js';
import { tentativeQuestion } from '../support/tentative.js';
import { call, cloneBuild, copySeedIndex, OFF_TOPIC, QUESTION, startTestService } from '../support/service.js';

let service: RunningService;
let engine: AnswerEngine;
beforeAll(async () => {
  service = await startTestService({ HTTP_RATE_LIMIT_MAX: '1000', HTTP_BODY_LIMIT_BYTES: '2048' });
  engine = service.state.slot!.current;
}, 180_000);
afterAll(() => service?.stop());

const PROBLEM = /^application\/problem\+json/;

describe('answers', () => {
  test('the seed question: the DW quote first, Euronews "also reported by", the ask --json shape', async () => {
    const r = await call(service.url, '/v1/answers', { question: QUESTION });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-verbatim-build')).toBe(engine.buildId);
    expect(r.body.abstained).toBe(false);
    const first = r.body.quotes[0];
    expect(first.source.publisher).toBe('DW');
    expect(first.text).toContain('roughly 1,000 coalition air missions');
    expect(first.alsoIn.map((c: { publisher: string }) => c.publisher)).toContain('Euronews');
    // The engine's Answer serialized as it is (JSON.stringify, as ask --json does): same fields, same quotes.
    const direct = JSON.parse(JSON.stringify(await engine.answer(QUESTION)));
    expect(Object.keys(r.body).sort()).toEqual(Object.keys(direct).sort());
    expect(r.body.quotes).toEqual(direct.quotes);
    expect(answerSchema.strict().safeParse(r.body).success).toBe(true);
  });

  test('k and offset page like "More"', async () => {
    const one = await call(service.url, '/v1/answers', { question: QUESTION, k: 1 });
    expect(one.body.quotes).toHaveLength(1);
    const next = await call(service.url, '/v1/answers', { question: QUESTION, k: 3, offset: 3 });
    const first = await call(service.url, '/v1/answers', { question: QUESTION, k: 3 });
    const seen = new Set(first.body.quotes.map((q: { sentenceId: number }) => q.sentenceId));
    for (const q of next.body.quotes) expect(seen.has(q.sentenceId)).toBe(false);
  });

  test('an on-topic question the articles leave open: tentative, with its notice and the closest quotes', async () => {
    const { question } = await tentativeQuestion(engine);
    const r = await call(service.url, '/v1/answers', { question });
    expect(r.status).toBe(200);
    expect(answerSchema.parse(r.body).tentative).toBe(true);
    expect(r.body.abstained).toBe(false);
    expect(r.body.quotes.length).toBeGreaterThan(0);
    expect(r.body.notice).toMatch(/not sure these answer it/);
    const sure = await call(service.url, '/v1/answers', { question: QUESTION });
    expect(sure.body.tentative).toBeUndefined();
  });

  test('an off-topic question abstains, with the notice and no quotes', async () => {
    const r = await call(service.url, '/v1/answers', { question: OFF_TOPIC });
    expect(r.status).toBe(200);
    expect(r.body.abstained).toBe(true);
    expect(r.body.quotes).toEqual([]);
    expect(r.body.notice).toMatch(/don't answer/);
  });
});

describe('bad requests get problem details, and the server carries on', () => {
  test('bad JSON, a missing question, wrong types, unknown fields: 400 saying what is wrong', async () => {
    const bad = await call(service.url, '/v1/answers', undefined, { raw: '{"question": "unterminated' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(PROBLEM);
    expect(bad.body).toMatchObject({ type: 'about:blank', title: 'Bad Request', status: 400 });
    expect(bad.body.detail).toMatch(/not valid JSON/);

    const missing = await call(service.url, '/v1/answers', { k: 2 });
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toContainEqual({ path: 'question', message: 'question is required' });

    const wrong = await call(service.url, '/v1/answers', { question: 42, k: 99 });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['k', 'question']);

    const extra = await call(service.url, '/v1/answers', { question: QUESTION, kk: 1 });
    expect(extra.status).toBe(400);

    const empty = await call(service.url, '/v1/answers', undefined, { raw: '' });
    expect(empty.status).toBe(400);

    const text = await call(service.url, '/v1/answers', undefined, { raw: 'question', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    expect(text.headers.get('content-type')).toMatch(PROBLEM);
  });

  test('an oversized body: 413', async () => {
    const r = await call(service.url, '/v1/answers', { question: 'x'.repeat(5000) });
    expect(r.status).toBe(413);
    expect(r.headers.get('content-type')).toMatch(PROBLEM);
    expect(r.body.detail).toMatch(/larger than 2048 bytes/);
  });

  test('an engine failure: 500 problem and the server carries on; an unreachable remote index: 503', async () => {
    let failure = new Error('boom');
    const failing: AnswerEngine = {
      buildId: 'failing-1',
      answer: async () => {
        throw failure;
      },
      sources: async () => [],
      source: async () => undefined,
      context: async () => undefined,
    };
    const broken = await startTestService({}, { loader: { load: async () => failing } });
    try {
      const r = await call(broken.url, '/v1/answers', { question: QUESTION });
      expect(r.status).toBe(500);
      expect(r.headers.get('content-type')).toMatch(PROBLEM);
      expect(r.text).not.toContain('boom'); // internals stay in the log
      failure = Object.assign(new Error('cluster down'), { name: 'IndexUnavailableError' });
      const u = await call(broken.url, '/v1/answers', { question: QUESTION });
      expect(u.status).toBe(503);
      expect(u.headers.get('retry-after')).toBe('5');
      expect((await call(broken.url, '/healthz')).status).toBe(200);
      expect((await call(broken.url, '/v1/sources')).body.total).toBe(0);
    } finally {
      await broken.stop();
    }
  });

  test('unknown routes and sources: 404; a bad sentence id: 400', async () => {
    expect((await call(service.url, '/v1/nothing')).status).toBe(404);
    const src = await call(service.url, '/v1/sources/no-such-article');
    expect(src.status).toBe(404);
    expect(src.headers.get('content-type')).toMatch(PROBLEM);
    expect((await call(service.url, '/v1/context/99999999')).status).toBe(404);
    expect((await call(service.url, '/v1/context/abc')).status).toBe(400);
    expect((await call(service.url, '/v1/sources?limit=0')).status).toBe(400);
    expect((await call(service.url, '/v1/answers', { question: QUESTION })).status).toBe(200);
  });
});

describe('sources and context', () => {
  test('/v1/sources pages and filters; /v1/sources/:id gives one', async () => {
    const all = await call(service.url, '/v1/sources?limit=2');
    expect(all.body.total).toBe(5);
    expect(all.body.sources).toHaveLength(2);
    const rest = await call(service.url, '/v1/sources?offset=2&limit=10');
    expect(rest.body.sources).toHaveLength(3);
    expect(rest.body.sources[0].id).not.toBe(all.body.sources[0].id);
    const iran = await call(service.url, '/v1/sources?q=iran');
    expect(iran.body.total).toBe(1);
    expect(iran.body.sources[0].publisher).toBe('Euronews');
    const one = await call(service.url, `/v1/sources/${encodeURIComponent(iran.body.sources[0].id)}`);
    expect(one.body).toEqual(iran.body.sources[0]);
    expect(one.body.firstParagraph.length).toBeGreaterThan(20);
  });

  test('/v1/context marks the quoted sentence inside its surroundings; another build: 409', async () => {
    const a = await call(service.url, '/v1/answers', { question: QUESTION });
    const q = a.body.quotes[0];
    const build = a.headers.get('x-verbatim-build')!;
    const c = await call(service.url, `/v1/context/${q.sentenceId}?build=${build}`);
    expect(c.status).toBe(200);
    expect(c.body.source.id).toBe(q.source.id);
    const marked = c.body.text.slice(c.body.sentence.start, c.body.sentence.end);
    expect(q.text).toContain(marked);
    expect(c.body.text.length).toBeGreaterThan(marked.length);
    const narrow = await call(service.url, `/v1/context/${q.sentenceId}?radius=0`);
    expect(narrow.body.text).toBe(marked);
    const stale = await call(service.url, `/v1/context/${q.sentenceId}?build=some-older-build`);
    expect(stale.status).toBe(409);
  });
});

describe('health, readiness, metrics, OpenAPI', () => {
  test('/healthz and /readyz (with the build id)', async () => {
    expect((await call(service.url, '/healthz')).body).toEqual({ ok: true });
    const ready = await call(service.url, '/readyz');
    expect(ready.body).toEqual({ ready: true, buildId: engine.buildId, articles: 5 });
  });

  test('/readyz is 503 until the engine is loaded, and /v1 says to retry', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = await startTestService({}, { wait: false, loader: { load: async () => (await gate, engine) } });
    try {
      const r = await call(slow.url, '/readyz');
      expect(r.status).toBe(503);
      expect(r.body.ready).toBe(false);
      const a = await call(slow.url, '/v1/answers', { question: QUESTION });
      expect(a.status).toBe(503);
      expect(a.headers.get('retry-after')).toBe('5');
      expect((await call(slow.url, '/healthz')).status).toBe(200);
      release();
      await slow.ready;
      expect((await call(slow.url, '/readyz')).status).toBe(200);
      expect((await call(slow.url, '/v1/answers', { question: QUESTION })).status).toBe(200);
    } finally {
      await slow.stop();
    }
  });

  test('/metrics counts questions, abstentions, tentative answers, latency, the build and errors', async () => {
    await call(service.url, '/v1/answers', { question: QUESTION });
    await call(service.url, '/v1/answers', { question: OFF_TOPIC });
    await call(service.url, '/v1/answers', { question: (await tentativeQuestion(engine)).question });
    await call(service.url, '/v1/answers', { k: 1 });
    const r = await call(service.url, '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(r.text)?.[1]);
    expect(value('verbatim_questions_total')).toBeGreaterThanOrEqual(2);
    expect(value('verbatim_abstentions_total')).toBeGreaterThanOrEqual(1);
    expect(value('verbatim_abstentions_total')).toBeLessThan(value('verbatim_questions_total'));
    expect(value('verbatim_tentative_answers_total')).toBeGreaterThanOrEqual(1);
    expect(value('verbatim_tentative_answers_total') + value('verbatim_abstentions_total')).toBeLessThan(value('verbatim_questions_total'));
    expect(value('verbatim_answer_duration_seconds_count')).toBe(value('verbatim_questions_total'));
    expect(r.text).toContain(`verbatim_index_build_info{build_id="${engine.buildId}"} 1`);
    expect(r.text).toMatch(/^verbatim_http_errors_total\{status="400"\} [1-9]/m);
    expect(r.text).toMatch(/^verbatim_process_resident_memory_bytes \d/m);
  });

  test('/openapi.json documents every route with the request schemas', async () => {
    const r = await call(service.url, '/openapi.json');
    expect(r.body.openapi).toMatch(/^3\.0\./);
    // Valid against the OpenAPI schema of its version (the validator fastify's own tooling uses).
    const validation = await new Validator().validate(r.body);
    expect(validation.errors ?? [], JSON.stringify(validation.errors)).toEqual([]);
    expect(validation.valid).toBe(true);
    expect(Object.keys(r.body.paths).sort()).toEqual(['/healthz', '/metrics', '/openapi.json', '/readyz', '/v1/answers', '/v1/context/{sentenceId}', '/v1/sources', '/v1/sources/{id}'].filter((p) => p !== '/openapi.json'));
    const body = r.body.paths['/v1/answers'].post.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(['question']);
    expect(body.properties.k).toMatchObject({ type: 'integer', minimum: 1, maximum: 10 });
    expect(body.additionalProperties).toBe(false);
    const params = r.body.paths['/v1/sources'].get.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`);
    expect(params).toEqual(['query:q', 'query:offset', 'query:limit']);
    expect(r.body.paths['/v1/answers'].post.responses['200'].content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['question', 'abstained', 'quotes', 'ms']),
    );
    // Every $ref resolves (none are emitted) and every operation has responses.
    expect(r.text).not.toContain('$ref');
    for (const ops of Object.values(r.body.paths) as Record<string, { responses: object }>[]) for (const op of Object.values(ops)) expect(Object.keys(op.responses).length).toBeGreaterThan(0);
  });
});

describe('API keys and rate limits', () => {
  const KEY = 'test-key-4f1c9a7e2b';
  let locked: RunningService;
  let logs: string[];
  beforeAll(async () => {
    const captured = captureLogger();
    logs = captured.lines;
    locked = await startTestService(
      { HTTP_API_KEYS: `other-key-0000000, ${KEY}`, HTTP_RATE_LIMIT_MAX: '4', HTTP_RATE_LIMIT_WINDOW_SECONDS: '60', LOG_LEVEL: 'trace' },
      { loader: { load: async () => engine }, logger: captured.logger },
    );
  });
  afterAll(() => locked?.stop());

  test('missing or wrong key: 401 problem; the right key: 200; /healthz and /readyz stay open', async () => {
    const missing = await call(locked.url, '/v1/answers', { question: QUESTION });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toMatch(PROBLEM);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const wrong = await call(locked.url, '/v1/sources', undefined, { headers: { authorization: 'Bearer not-the-key' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.detail).toMatch(/not valid/);
    const prefix = await call(locked.url, '/v1/sources', undefined, { headers: { authorization: `Bearer ${KEY.slice(0, -1)}` } });
    expect(prefix.status).toBe(401);
    const right = await call(locked.url, '/v1/answers', { question: QUESTION }, { headers: { authorization: `Bearer ${KEY}` } });
    expect(right.status).toBe(200);
    expect(right.body.quotes[0].source.publisher).toBe('DW');
    expect((await call(locked.url, '/healthz')).status).toBe(200);
    expect((await call(locked.url, '/readyz')).status).toBe(200);
    expect((await call(locked.url, '/metrics')).status).toBe(401);
    expect((await call(locked.url, '/metrics?format=text')).status).toBe(401);
    expect((await call(locked.url, '/v1/no-such-route')).status).toBe(401);
    expect((await call(locked.url, '/')).status).toBe(200);
    expect((await call(locked.url, '/openapi.json')).body.paths['/v1/answers'].post.security).toEqual([{ bearer: [] }]);
  });

  test('over the per-client limit: 429 problem with Retry-After; other keys have their own budget', async () => {
    const auth = { authorization: `Bearer ${KEY}` };
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await call(locked.url, '/v1/sources', undefined, { headers: auth })).status);
    // One request of this key was spent by the previous test.
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const refused = await call(locked.url, '/v1/answers', { question: QUESTION }, { headers: auth });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(PROBLEM);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.body.detail).toMatch(/Too many requests/);
    const other = await call(locked.url, '/v1/sources', undefined, { headers: { authorization: 'Bearer other-key-0000000' } });
    expect(other.status).toBe(200);
    expect((await call(locked.url, '/healthz')).status).toBe(200);
  });

  test('behind a proxy (HTTP_TRUST_PROXY): each forwarded client has its own budget; without it, one', async () => {
    const status = async (url: string, forwardedFor: string) => (await call(url, '/v1/sources', undefined, { headers: { 'x-forwarded-for': forwardedFor } })).status;
    const proxied = await startTestService({ HTTP_TRUST_PROXY: 'true', HTTP_RATE_LIMIT_MAX: '1' }, { loader: { load: async () => engine } });
    const direct = await startTestService({ HTTP_RATE_LIMIT_MAX: '1' }, { loader: { load: async () => engine } });
    try {
      expect([await status(proxied.url, '203.0.113.1'), await status(proxied.url, '203.0.113.2'), await status(proxied.url, '203.0.113.1')]).toEqual([200, 200, 429]);
      expect([await status(direct.url, '203.0.113.1'), await status(direct.url, '203.0.113.2')]).toEqual([200, 429]);
    } finally {
      await proxied.stop();
      await direct.stop();
    }
  });

  test('keys never reach the log', () => {
    const all = logs.join('');
    expect(all.length).toBeGreaterThan(0);
    expect(all).not.toContain(KEY);
    expect(all).not.toContain('other-key-0000000');
  });
});

describe('reloads', () => {
  test('a rebuilt index is picked up by itself; a broken one keeps the last good index serving', async () => {
    const indexDir = await copySeedIndex();
    const watched = await startTestService({ INDEX_DIR: indexDir }, { watchMs: 100 });
    try {
      const before = (await call(watched.url, '/readyz')).body.buildId;
      cloneBuild(indexDir, 'rebuilt-2');
      for (let i = 0; i < 100 && (await call(watched.url, '/readyz')).body.buildId === before; i++) await sleep(100);
      expect((await call(watched.url, '/readyz')).body.buildId).toBe('rebuilt-2');
      const a = await call(watched.url, '/v1/answers', { question: QUESTION });
      expect(a.headers.get('x-verbatim-build')).toBe('rebuilt-2');
      expect(a.body.quotes[0].source.publisher).toBe('DW');

      cloneBuild(indexDir, 'broken-3', { broken: true });
      await sleep(1000); // ten watch ticks: the broken build is tried once and refused
      expect((await call(watched.url, '/readyz')).body).toMatchObject({ ready: true, buildId: 'rebuilt-2' });
      const b = await call(watched.url, '/v1/answers', { question: QUESTION });
      expect(b.status).toBe(200);
      expect(b.headers.get('x-verbatim-build')).toBe('rebuilt-2');
    } finally {
      await watched.stop();
    }
  }, 60_000);
});

describe('load', () => {
  test('200 concurrent requests: every one answered or refused with 429, none failed or dropped', async () => {
    const loaded = await startTestService({ HTTP_RATE_LIMIT_MAX: '150' }, { loader: { load: async () => engine } });
    try {
      const questions = [QUESTION, OFF_TOPIC, 'Who is the Pentagon spokesman?', 'When did the conflict in Syria begin?'];
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          fetch(`${loaded.url}/v1/answers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: questions[i % 4] }) })
            .then(async (r) => ({ status: r.status, ok: r.status !== 200 || Array.isArray(((await r.json()) as { quotes?: unknown }).quotes) }))
            .catch((e: Error) => ({ status: 0, ok: false, error: e.message })),
        ),
      );
      const count = (s: number) => results.filter((r) => r.status === s).length;
      expect(count(0)).toBe(0); // no dropped connection
      expect(count(200) + count(429)).toBe(200);
      expect(count(200)).toBe(150);
      expect(results.every((r) => r.ok)).toBe(true);
      expect((await call(loaded.url, '/healthz')).status).toBe(200);
    } finally {
      await loaded.stop();
    }
  }, 120_000);
});
