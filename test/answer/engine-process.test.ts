/**
 * The engine in its own process (what `npm start` runs): the same answers as in process, errors that
 * keep their names, reloads, a killed child replaced on the next question, and close.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex } from '../../src/index/build.js';
import { openEngine, type Engine } from '../../src/answer/engine.js';
import { EngineProcessError, processEngineLoader, type ProcessEngineLoader } from '../../src/answer/engine-process.js';
import type { AnswerEngine } from '../../src/answer/api.js';
import type { Config } from '../../src/config.js';
import { SEED_CORPUS, sharedEmbedder, tempDir, testConfig } from '../support/env.js';

const QUESTIONS = ['How many air missions has the coalition flown?', 'Who did Blinken meet at the Vatican?', 'What is the capital of Peru?'];

let config: Config;
let local: Engine;
let loader: ProcessEngineLoader;
let child: AnswerEngine;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
// What an answer says, without its timings (which differ run to run).
const said = (a: Awaited<ReturnType<AnswerEngine['answer']>>) => ({
  abstained: a.abstained,
  tentative: a.tentative ?? false,
  quotes: a.quotes.map((q) => ({ text: q.text, source: q.source.id, start: q.start })),
});

beforeAll(async () => {
  const embedder = await sharedEmbedder();
  config = testConfig({ CORPUS_DIR: SEED_CORPUS, INDEX_DIR: tempDir('verbatim-index-') });
  await buildIndex(config, { embedder });
  local = await openEngine(config, { embedder });
  loader = processEngineLoader(config);
  child = await loader.load();
}, 180_000);

afterAll(async () => {
  await loader?.close();
});

describe('the engine in its own process', () => {
  it('answers exactly as the engine in this process, and serves sources and context', async () => {
    expect(loader.pid).toBeGreaterThan(0);
    expect(loader.pid).not.toBe(process.pid);
    expect(child.buildId).toBe(local.buildId);
    for (const q of QUESTIONS) expect(said(await child.answer(q, { k: 3 })), q).toEqual(said(await local.answer(q, { k: 3 })));
    expect(await child.sources()).toEqual(await local.sources());
    const first = (await local.sources())[0];
    expect(await child.source(first.id)).toEqual(await local.source(first.id));
    expect(await child.source('no-such-article')).toBeUndefined();
    const quote = (await local.answer(QUESTIONS[0])).quotes[0];
    expect(await child.context(quote.sentenceId, 1)).toEqual(await local.context(quote.sentenceId, 1));
  });

  it('passes errors on with their name and message: a missing index is an IndexError', async () => {
    const missing = processEngineLoader(testConfig({ CORPUS_DIR: SEED_CORPUS, INDEX_DIR: tempDir('verbatim-none-') }));
    try {
      const e = await missing.load().then(
        () => undefined,
        (err: Error) => err,
      );
      expect(e?.name).toBe('IndexError');
      expect(e?.message).toMatch(/index/i);
    } finally {
      await missing.close();
    }
  });

  it('a reload loads a new engine beside the old one; both answer', async () => {
    const next = await loader.load();
    expect(next.buildId).toBe(child.buildId);
    expect(said(await next.answer(QUESTIONS[0]))).toEqual(said(await child.answer(QUESTIONS[0])));
  });

  it('a killed engine process fails the question it was answering with a clear error; the next question starts a new one', async () => {
    const pid = loader.pid!;
    const pending = child.answer(QUESTIONS[1]);
    process.kill(pid, 'SIGKILL');
    const e = await pending.then(
      () => undefined,
      (err: Error) => err,
    );
    expect(e).toBeInstanceOf(EngineProcessError);
    expect(e?.message).toMatch(/stopped \(signal SIGKILL\).*next question starts it again/);
    expect(said(await child.answer(QUESTIONS[1]))).toEqual(said(await local.answer(QUESTIONS[1])));
    expect(loader.pid).not.toBe(pid);
  });

  it('close stops the process; questions after it get a clear error', async () => {
    const pid = loader.pid!;
    expect(alive(pid)).toBe(true);
    await loader.close();
    expect(alive(pid)).toBe(false);
    await expect(child.answer(QUESTIONS[0])).rejects.toThrow(/closed/);
  });
});
