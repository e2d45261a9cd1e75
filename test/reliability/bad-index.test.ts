/**
 * Bad corpus and bad index, the gaps left by test/index/build.test.ts and test/e2e:
 * - a corpus with non-UTF-8, binary, empty and huge (50 MB, generated here) files: the build reports
 *   and skips what it cannot read and indexes the rest;
 * - an index damaged in place (same size) never reaches hnswlib, which would crash the process;
 * - the bot refuses to start on a broken index with a message saying what to run (in process and
 *   through `npm start`);
 * - the index folder deleted while the bot runs: answers keep coming from memory, `/reload` says it
 *   keeps the old index;
 * - a reload (watcher or `/reload`) that finds a broken build keeps serving the last good one.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startBot } from '../../src/bot/client.js';
import { indexEngineLoader } from '../../src/answer/index-loader.js';
import { formatSummary } from '../../src/cli/progress.js';
import { Embedder } from '../../src/embed/embedder.js';
import { buildIndex } from '../../src/index/build.js';
import { FILES, IndexError, resolveCurrent, switchCurrent } from '../../src/index/format.js';
import { FakeDiscord, PERMISSIONS, type RecordedRequest } from '../support/fake-discord.js';
import { captureLogger, ROUTES, sleep, startTestBot, testConfig, type TestBot } from '../support/bot-harness.js';
import { runTsx } from './child.js';
import { recordReliability } from './report.js';
import { copyIndex, CORPUS_DIR, indexConfig, MODEL_DIR, scratch, sharedIndex } from './shared-index.js';

const QUESTION = 'How many air missions has the coalition flown?';
const ADMIN = PERMISSIONS.ManageGuild | PERMISSIONS.ViewChannel | PERMISSIONS.SendMessages;
const figures: Record<string, unknown> = {};

let fake: FakeDiscord;
let sharedDir: string;
beforeAll(async () => {
  fake = await FakeDiscord.start();
  sharedDir = (await sharedIndex()).config.indexDir;
}, 180_000);
afterAll(async () => {
  await fake?.stop();
  expect(fake.unknownRoutes.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  recordReliability('badIndex', figures);
});

function replyTo(message: { id: string }, timeout = 15_000): Promise<RecordedRequest> {
  return fake.waitFor((r) => r.route === ROUTES.message && r.body?.message_reference?.message_id === message.id, { timeout });
}

const ask = (content = QUESTION) => replyTo(fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} ${content}` }));
const reload = () => fake.waitForReply(fake.sendSlashCommand('reload', {}, { user: fake.admin, permissions: ADMIN }), { timeout: 20_000 });

/** Flips bytes in the middle of a file, keeping its size (what the manifest's size check cannot see). */
function damageInPlace(file: string): void {
  const buf = fs.readFileSync(file);
  crypto.randomBytes(4096).copy(buf, Math.floor(buf.length / 2));
  fs.writeFileSync(file, buf);
}

/** A second build folder copied from the live one, with its own build id, made `current`. */
function cloneBuild(indexDir: string, buildId: string): string {
  const from = resolveCurrent(indexDir);
  const to = path.join(indexDir, 'builds', buildId);
  fs.cpSync(from, to, { recursive: true });
  const manifestFile = path.join(to, FILES.manifest);
  fs.writeFileSync(manifestFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(manifestFile, 'utf8')), buildId }, null, 2));
  switchCurrent(indexDir, to);
  return to;
}

describe('a corpus with unreadable files', () => {
  test('the build skips binary, empty and 50 MB files with their reasons, and indexes the rest', async () => {
    const corpus = scratch('verbatim-badcorpus-');
    fs.copyFileSync(path.join(CORPUS_DIR, '001_e9a4a54a7af6da91.txt'), path.join(corpus, 'good.txt'));
    // Windows-1252 bytes (é = 0xE9, £ = 0xA3): not UTF-8.
    fs.writeFileSync(
      path.join(corpus, 'latin1.txt'),
      Buffer.from('Caf\xe9 owners protest new tax\n\nCaf\xe9 owners in Lyon said the new tax would cost them \xa3200 a month. The mayor said the r\xe9gime would be reviewed in spring. Owners plan a second protest next week.\n', 'latin1'),
    );
    fs.writeFileSync(path.join(corpus, 'photo.txt'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), crypto.randomBytes(4096)]));
    fs.writeFileSync(path.join(corpus, 'empty.txt'), '');
    fs.writeFileSync(path.join(corpus, 'blank.md'), ' \n\t\n   \n');
    const huge = path.join(corpus, 'dump.txt');
    fs.writeFileSync(huge, Buffer.alloc(50 * 1024 * 1024, 'The committee met again on Tuesday. '));
    expect(fs.statSync(huge).size).toBe(50 * 1024 * 1024);

    const embedder = await Embedder.load({ model: 'Xenova/all-MiniLM-L6-v2', quantized: true, modelDir: MODEL_DIR });
    const config = indexConfig(path.join(scratch('verbatim-badcorpus-index-'), 'index'), { CORPUS_DIR: corpus });
    const t0 = performance.now();
    const summary = await buildIndex(config, { embedder });
    const seconds = (performance.now() - t0) / 1000;
    fs.rmSync(huge);

    expect(summary.articles).toBe(2);
    const reasons = Object.fromEntries(summary.skipped.map((s) => [s.file, s.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['blank.md', 'dump.txt', 'empty.txt', 'photo.txt']);
    expect(reasons['dump.txt']).toMatch(/too large \(50(\.0)? MB > 20(\.0)? MB limit\)/);
    expect(reasons['photo.txt']).toMatch(/binary/i);
    expect(reasons['empty.txt']).toMatch(/empty/i);
    expect(summary.notes.some((n) => n.file === 'latin1.txt' && /Latin-1/.test(n.note))).toBe(true);
    // What `npm run build-index` prints: every skipped file with its reason.
    const printed = formatSummary(summary);
    for (const file of Object.keys(reasons)) expect(printed).toContain(`skipped: ${file}: `);

    const { openEngine } = await import('../../src/answer/engine.js');
    const engine = await openEngine(config, { embedder });
    const answer = await engine.answer('How much would the new tax cost café owners?');
    expect(answer.quotes[0]?.text).toContain('£200');
    figures.corpusFilesTried = 6;
    figures.corpusSkipped = summary.skipped.map((s) => `${s.file}: ${s.reason}`);
    figures.buildWithBadFilesSeconds = seconds;
  }, 120_000);
});

describe('a broken index at start-up', () => {
  test('a graph damaged in place (same size) is refused with a message, not a crash of the process', async () => {
    const dir = copyIndex(sharedDir);
    damageInPlace(path.join(resolveCurrent(dir), FILES.sentenceGraph));
    const r = await runTsx(['test/reliability/support/load-index-child.ts', dir], {});
    expect(r.signal, r.out).toBeNull();
    expect(r.code, r.out).toBe(0);
    const result = JSON.parse(r.out.trim().split('\n').pop()!);
    expect(result).toMatchObject({ ok: false, name: 'IndexError' });
    expect(result.message).toMatch(/sentences\.hnsw does not match its checksum.*npm run build-index -- --full/);
  }, 60_000);

  test('startBot refuses a truncated graph and an index from another model, saying what to run', async () => {
    const truncated = copyIndex(sharedDir);
    const graph = path.join(resolveCurrent(truncated), FILES.passageGraph);
    fs.truncateSync(graph, Math.floor(fs.statSync(graph).size / 3));
    const config = testConfig(fake, { INDEX_DIR: truncated });
    const err = await startBot({ config, engineLoader: indexEngineLoader(config), logger: captureLogger().logger }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IndexError);
    expect((err as Error).message).toMatch(/passages\.hnsw has \d+ bytes, expected \d+\. Rebuild it with: npm run build-index -- --full/);

    const other = copyIndex(sharedDir);
    const manifestFile = path.join(resolveCurrent(other), FILES.manifest);
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    fs.writeFileSync(manifestFile, JSON.stringify({ ...manifest, embedding: { ...manifest.embedding, model: 'Xenova/bge-small-en-v1.5' } }));
    const config2 = testConfig(fake, { INDEX_DIR: other });
    const err2 = await startBot({ config: config2, engineLoader: indexEngineLoader(config2), logger: captureLogger().logger }).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(IndexError);
    expect((err2 as Error).message).toMatch(/built with Xenova\/bge-small-en-v1\.5 \(int8\).*asks for Xenova\/all-MiniLM-L6-v2.*npm run build-index -- --full.*EMBEDDING_MODEL/s);
    // Neither attempt logged in.
    expect(fake.gatewayLog.filter((f) => f.dir === 'in' && f.op === 2)).toHaveLength(0);
  }, 60_000);

  test('npm start on a broken index exits 1 with the message, without a stack trace', async () => {
    const dir = copyIndex(sharedDir);
    fs.rmSync(path.join(resolveCurrent(dir), FILES.articles));
    const r = await runTsx(['scripts/start.ts'], { DISCORD_TOKEN: fake.token, DISCORD_API_URL: fake.apiUrl, INDEX_DIR: dir, LOG_LEVEL: 'warn', INDEX_WATCH_SECONDS: '0', MODEL_DIR });
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(/articles\.json is missing\. Rebuild it with: npm run build-index -- --full/);
    expect(r.out).not.toMatch(/\n\s+at /);
    expect(r.out).not.toContain(fake.token);
    figures.brokenIndexStartsRefused = ['damaged graph (same size)', 'truncated graph', 'other model', 'missing articles.json (npm start)'];
  }, 60_000);
});

describe('while the bot runs', () => {
  let bot: TestBot | undefined;
  afterAll(() => bot?.stop());

  test('index folder deleted: answers keep coming from memory; /reload keeps the old index and says so', async () => {
    const dir = copyIndex(sharedDir);
    const config = testConfig(fake, { INDEX_DIR: dir, RATE_LIMIT_MAX: '0' });
    config.discord.indexWatchMs = 100;
    bot = await startTestBot(fake, { config, engineLoader: indexEngineLoader(config) });
    const build = bot.context.engines.current.buildId;
    const before = await ask();
    expect(before.body.embeds.length).toBeGreaterThan(0);

    fs.rmSync(dir, { recursive: true, force: true });
    await sleep(300); // a few watcher ticks over the missing folder
    const after = await ask();
    expect(after.body.embeds.map((e: { description: string }) => e.description)).toEqual(before.body.embeds.map((e: { description: string }) => e.description));

    const r = await reload();
    expect(r.content).toContain(`still serving build \`${build}\``);
    expect(r.content).toMatch(/No index found in .*Build it with: npm run build-index/);
    expect(bot.context.engines.current.buildId).toBe(build);
    expect((await ask()).body.embeds.length).toBeGreaterThan(0);
    // The watcher does not try (and fail) to load a folder that is not there.
    expect(bot.logs.filter((l) => l.includes('reload failed')).length).toBe(1);

    // The folder comes back: /reload picks it up again.
    fs.cpSync(sharedDir, dir, { recursive: true, verbatimSymlinks: true });
    const back = await reload();
    expect(back.content).toMatch(/Reloaded the index: build `.+` \(unchanged\)/);
    await bot.stop();
    bot = undefined;
  }, 90_000);

  test('a reload that finds a broken build (watcher or /reload) keeps serving the last good one', async () => {
    const dir = copyIndex(sharedDir);
    const config = testConfig(fake, { INDEX_DIR: dir, RATE_LIMIT_MAX: '0' });
    config.discord.indexWatchMs = 100;
    bot = await startTestBot(fake, { config, engineLoader: indexEngineLoader(config) });
    const good = bot.context.engines.current.buildId;

    // 1. A new build appears whose graph was damaged in place: the watcher tries it once, keeps the old one.
    const broken = cloneBuild(dir, 'broken-checksum');
    damageInPlace(path.join(broken, FILES.sentenceGraph));
    for (let i = 0; i < 100 && !bot.logs.some((l) => l.includes('reload failed')); i++) await sleep(50);
    const failures = () => bot!.logs.filter((l) => l.includes('index reload failed; still serving the previous index'));
    expect(failures()).toHaveLength(1);
    expect(failures()[0]).toContain('checksum');
    await sleep(500); // five more ticks: no retry of the same broken build
    expect(failures()).toHaveLength(1);
    expect(bot.context.engines.current.buildId).toBe(good);
    expect((await ask()).body.embeds.length).toBeGreaterThan(0);

    // 2. /reload on a truncated vectors file says what is wrong and that it keeps the old build.
    fs.truncateSync(path.join(broken, FILES.sentenceVectors), 1000);
    const r = await reload();
    expect(r.content).toContain(`still serving build \`${good}\``);
    expect(r.content).toMatch(/sentences\.f32 has 1000 bytes.*npm run build-index -- --full/);

    // 3. Invalid manifest JSON.
    fs.writeFileSync(path.join(broken, FILES.manifest), '{"format": 2, "buildId": ');
    expect((await reload()).content).toMatch(/still serving build `.+`[\s\S]*unreadable/);
    expect(bot.context.engines.current.buildId).toBe(good);
    expect((await ask()).body.embeds.length).toBeGreaterThan(0);

    // 4. A good build after the broken ones is picked up by the watcher.
    fs.rmSync(broken, { recursive: true, force: true });
    switchCurrent(dir, path.join(dir, 'builds', good));
    cloneBuild(dir, 'good-again');
    for (let i = 0; i < 100 && bot.context.engines.current.buildId !== 'good-again'; i++) await sleep(50);
    expect(bot.context.engines.current.buildId).toBe('good-again');
    expect((await ask()).body.embeds.length).toBeGreaterThan(0);
    figures.reloadsOfBrokenBuildsSurvived = ['graph damaged in place (watcher)', 'truncated vectors (/reload)', 'invalid manifest JSON (/reload)', 'index folder deleted (/reload)'];
  }, 90_000);
});
