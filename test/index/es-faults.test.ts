/**
 * Faults of the Elasticsearch store against the real 2-node cluster (exclusive: this file kills
 * nodes): questions keep being answered while a node is lost (failures after the cluster reports
 * yellow: none; the pause is recorded in reports/reliability), and with the whole cluster down the
 * engine says the index is unavailable, then answers again by itself once the cluster is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine, type Engine } from '../../src/answer/engine.js';
import type { Config } from '../../src/config.js';
import { buildIntoCluster } from '../../src/index/elasticsearch/build.js';
import type { ElasticsearchSource } from '../../src/index/elasticsearch/source.js';
import { Client } from '@elastic/elasticsearch';
import { esCluster, waitForIndices } from '../support/elasticsearch.js';
import { SEED_CORPUS, sharedEmbedder, tempDir, testConfig } from '../support/env.js';
import { recordReliability } from '../reliability/report.js';
import { FakeDiscord } from '../support/fake-discord.js';
import { ROUTES, startTestBot, type TestBot } from '../support/bot-harness.js';

const cluster = await esCluster({ exclusive: true });

const QUESTIONS = [
  'How many air missions has the coalition flown?',
  'Who is the Pentagon spokesman?',
  'Where did the coalition foreign ministers meet with Kerry in December 2014?',
  'Who did Blinken meet at the Vatican?',
];
const comparable = (a: object) => JSON.stringify({ ...a, ms: 0, timings: 0 });

describe.skipIf(!cluster)('Elasticsearch store faults', () => {
  const prefix = `test-faults-${process.pid}`;
  let config: Config;
  let remote: Engine;
  let expected: Map<string, string>;

  beforeAll(async () => {
    const embedder = await sharedEmbedder();
    config = testConfig({
      CORPUS_DIR: SEED_CORPUS,
      INDEX_DIR: tempDir('verbatim-es-faults-'),
      VECTOR_STORE: 'elasticsearch',
      ELASTICSEARCH_URL: cluster!.url,
      ELASTICSEARCH_INDEX_PREFIX: prefix,
      ELASTICSEARCH_REPLICAS: '1',
    });
    await buildIntoCluster(config, { embedder });
    await cluster!.waitForStatus('green');
    const local = await openEngine({ ...config, vectorStore: 'local' }, { embedder });
    remote = await openEngine(config, { embedder });
    expected = new Map();
    for (const q of QUESTIONS) expected.set(q, comparable(await local.answer(q)));
  });
  afterAll(async () => {
    const client = new Client({ nodes: cluster?.nodeUrls ?? [] });
    await client.indices.delete({ index: `${prefix}-*`, ignore_unavailable: true }).catch(() => {});
    await client.close();
    await (remote?.store as ElasticsearchSource | undefined)?.close();
  });

  it('keeps answering from the replica while a node is killed: no failures after yellow, the same answers', async () => {
    const outcomes: { at: number; ok: boolean; same: boolean; error?: string }[] = [];
    let stop = false;
    let yellowAt = Infinity;
    const asking = (async () => {
      for (let i = 0; !stop && i < 2000; i++) {
        const q = QUESTIONS[i % QUESTIONS.length];
        try {
          const a = await remote.answer(q);
          outcomes.push({ at: performance.now(), ok: true, same: comparable(a) === expected.get(q) });
        } catch (e) {
          outcomes.push({ at: performance.now(), ok: false, same: false, error: (e as Error).message });
        }
      }
    })();
    while (outcomes.length < 4) await new Promise((r) => setTimeout(r, 50));
    const killedAt = performance.now();
    await cluster!.killNode(1); // a crash
    // This file's indices, served from their replicas (the shared cluster's health covers other files' too).
    await waitForIndices(cluster!, `${prefix}-*`, 'yellow', { nodes: 1 });
    yellowAt = performance.now();
    const afterYellow = () => outcomes.filter((o) => o.at >= yellowAt).length;
    while (afterYellow() < 12) await new Promise((r) => setTimeout(r, 50));
    stop = true;
    await asking;

    const failedAfterYellow = outcomes.filter((o) => o.at >= yellowAt && !o.ok);
    const failedBefore = outcomes.filter((o) => o.at >= killedAt && o.at < yellowAt && !o.ok);
    const okTimes = [killedAt, ...outcomes.filter((o) => o.ok && o.at >= killedAt).map((o) => o.at)];
    const pauseMs = Math.max(...okTimes.slice(1).map((t, i) => t - okTimes[i]));
    recordReliability('elasticsearch-node-loss', {
      questions: outcomes.length,
      failedBeforeYellow: failedBefore.length,
      failedAfterYellow: failedAfterYellow.length,
      longestPauseMs: Math.round(pauseMs),
      killToYellowMs: Math.round(yellowAt - killedAt),
      errors: [...new Set(outcomes.filter((o) => !o.ok).map((o) => o.error))],
    });
    expect(failedAfterYellow).toEqual([]);
    expect(outcomes.filter((o) => o.ok && !o.same)).toEqual([]);

    await cluster!.startNode(1);
    await cluster!.waitForStatus('green', 240_000);
  }, 420_000); // node restarts and replica recovery take minutes on a busy 2-core machine

  it('says the index is unavailable while the whole cluster is down, and answers again by itself when it is back', async () => {
    const q = QUESTIONS[0];
    // The bot too, on the fake Discord, answering with this engine.
    const fake = await FakeDiscord.start();
    let bot: TestBot | undefined;
    try {
      bot = await startTestBot(fake, { engine: remote });
      const ask = async () => {
        const m = fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} ${q}` });
        return fake.waitFor((r) => r.route === ROUTES.message && r.body?.message_reference?.message_id === m.id, { timeout: 30_000 });
      };
      await cluster!.killNode(1);
      await cluster!.killNode(0);
      const error = await remote.answer(q).catch((e: unknown) => e);
      expect((error as Error).name).toBe('IndexUnavailableError');
      expect((error as Error).message).toBe('The index is unavailable right now, try again shortly.');
      await expect(remote.context(0)).rejects.toThrow(/unavailable/);
      const reply = await ask();
      expect(reply.body.content).toContain('The index is unavailable right now, try again shortly.');
      expect(bot.logs.join('\n')).toMatch(/the index is unavailable/);
      await restartAndResume();
      const answered = await ask();
      expect(answered.body.embeds?.length).toBeGreaterThan(0);
    } finally {
      await bot?.stop();
      await fake.stop();
    }
  }, 420_000);

  async function restartAndResume(): Promise<void> {
    const q = QUESTIONS[0];
    await cluster!.startNode(0);
    await cluster!.startNode(1);
    await cluster!.waitForStatus('green', 240_000);
    // The same engine, no reload: the client finds the nodes again.
    let answer: string | undefined;
    const started = performance.now();
    while (answer === undefined && performance.now() - started < 120_000) {
      answer = await remote.answer(q).then(comparable, () => undefined);
      if (answer === undefined) await new Promise((r) => setTimeout(r, 500));
    }
    expect(answer).toBe(expected.get(q));
    recordReliability('elasticsearch-cluster-restart', { resumedAfterGreenMs: Math.round(performance.now() - started) });
  }
});
