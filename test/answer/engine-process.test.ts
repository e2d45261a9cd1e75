/**
 * The engine in its own process (what `npm start` runs): the same answers as in process, errors that
 * keep their names, reloads, a killed child replaced on the next question (from the index on disk
 * then, labelled with its build), a failed restart retried, the child ending with its parent, and close.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex, isAlive } from '../../src/index/build.js';
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

/** Kills the engine's process and waits until the loader has seen it die. */
const killChild = async () => {
  process.kill(loader.pid!, 'SIGKILL');
  for (let i = 0; i < 100 && loader.pid !== undefined; i++) await new Promise((r) => setTimeout(r, 20));
  expect(loader.pid).toBeUndefined();
};
// What an answer says, without its timings (which differ run to run).
const said = (a: Awaited<ReturnType<AnswerEngine['answer']>>) => ({
  abstained: a.abstained,
  tentative: a.tentative ?? false,
  quotes: a.quotes.map((q) => ({ text: q.text, source: q.source.id, start: q.start })),
});

beforeAll(async () => {
  const embedder = await sharedEmbedder();
  // A corpus of our own: one test rebuilds it changed.
  const corpus = tempDir('verbatim-corpus-');
  fs.cpSync(SEED_CORPUS, corpus, { recursive: true });
  config = testConfig({ CORPUS_DIR: corpus, INDEX_DIR: tempDir('verbatim-index-') });
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

  it('a restart after the child failed to load the index is tried again on the next question', async () => {
    await killChild();
    const moved = `${config.indexDir}-away`;
    fs.renameSync(config.indexDir, moved);
    try {
      await expect(child.answer(QUESTIONS[0])).rejects.toMatchObject({ name: 'IndexError' });
      expect(loader.pid).toBeUndefined(); // the child that could not load was ended
    } finally {
      fs.renameSync(moved, config.indexDir);
    }
    expect(said(await child.answer(QUESTIONS[0]))).toEqual(said(await local.answer(QUESTIONS[0])));
  });

  it('a child restarted after a rebuild answers from the new build, and its engines say so', async () => {
    const corpus = config.corpusDir;
    for (const f of fs.readdirSync(corpus).filter((f) => f.endsWith('.txt'))) {
      const file = path.join(corpus, f);
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/\bKerry\b/g, 'John F. Kerry'));
    }
    const oldBuild = child.buildId;
    const rebuilt = await buildIndex(config, { full: true, embedder: local.embedder });
    expect(rebuilt.buildId).not.toBe(oldBuild);
    expect(child.buildId).toBe(oldBuild); // the running child still serves the build it loaded
    await killChild();
    await expect(child.answer(QUESTIONS[0])).resolves.toBeDefined();
    // The old engine object now stands for the new child's build: an answer is never labelled with a
    // build it did not come from ("Show context" compares these ids).
    expect(child.buildId).toBe(rebuilt.buildId);
    const fresh = await openEngine(config, { embedder: local.embedder });
    expect(said(await child.answer(QUESTIONS[0]))).toEqual(said(await fresh.answer(QUESTIONS[0])));
    expect((await child.answer(QUESTIONS[0])).quotes[0].text).toContain('John F. Kerry');
  });

  it('the engine process ends when its parent is killed', async () => {
    // A parent of its own (this test process must survive): it starts an engine, prints the child's pid
    // and waits; we SIGKILL it, and its child must go within seconds (the IPC channel closes).
    const code = `const { processEngineLoader } = await import(${JSON.stringify(path.resolve('src/answer/engine-process.ts'))});
const loader = processEngineLoader(JSON.parse(process.env.TEST_CONFIG));
await loader.load();
process.stdout.write(String(loader.pid) + '\\n');
setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      env: { ...process.env, TEST_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      parent.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
      parent.once('exit', (c) => reject(new Error(`the parent exited early (${c})`)));
    });
    expect(isAlive(pid)).toBe(true);
    parent.kill('SIGKILL');
    for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(isAlive(pid)).toBe(false);
  }, 60_000);

  it('close stops the process; questions after it get a clear error', async () => {
    const pid = loader.pid!;
    expect(isAlive(pid)).toBe(true);
    await loader.close();
    expect(isAlive(pid)).toBe(false);
    await expect(child.answer(QUESTIONS[0])).rejects.toThrow(/closed/);
  });
});
