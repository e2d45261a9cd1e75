/**
 * Secrets: `npm start` at LOG_LEVEL=trace (the product logger, every discord.js debug line) through a
 * login, answers, a REST 500, a gateway resume (which sends the token again), a failed /reload and a
 * shutdown: the token, and its secret part, never appear in the output. (A failed login at trace
 * level is covered by test/e2e/discord.test.ts, "npm start with a bad token".)
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { FakeDiscord, PERMISSIONS } from '../support/fake-discord.js';
import { ROUTES, sleep } from '../support/bot-harness.js';
import { recordReliability } from './report.js';
import { copyIndex, MODEL_DIR, sharedIndex } from './shared-index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
let fake: FakeDiscord;
beforeAll(async () => {
  fake = await FakeDiscord.start({ heartbeatInterval: 1000 });
});
afterAll(() => fake?.stop());

test('a whole bot run at trace level never prints the token', async () => {
  const indexDir = copyIndex((await sharedIndex()).config.indexDir);
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: ROOT,
    env: { ...process.env, DISCORD_TOKEN: fake.token, DISCORD_API_URL: fake.apiUrl, INDEX_DIR: indexDir, MODEL_DIR, LOG_LEVEL: 'trace', INDEX_WATCH_SECONDS: '0', RATE_LIMIT_MAX: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    for (let i = 0; i < 400 && !/Verbatim is online/.test(out) && child.exitCode === null; i++) await sleep(100);
    expect(out).toMatch(/Verbatim is online/);
    const ask = async () => {
      const m = fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} How many air missions has the coalition flown?` });
      await fake.waitFor((r) => r.route === ROUTES.message && r.body?.message_reference?.message_id === m.id, { timeout: 20_000 });
    };
    await ask();
    fake.failNext(ROUTES.message, 500);
    await ask();
    const since = fake.gatewayLog.length;
    fake.closeSocket(4000);
    await fake.waitForGateway((f) => f.t === 'RESUMED', { since, timeout: 15_000 });
    await ask();
    // /reload without an engine change still logs; with the index gone it logs an error with a path.
    const admin = PERMISSIONS.ManageGuild | PERMISSIONS.ViewChannel | PERMISSIONS.SendMessages;
    await fake.waitForReply(fake.sendSlashCommand('reload', {}, { user: fake.admin, permissions: admin }), { timeout: 20_000 });
  } finally {
    child.kill('SIGTERM');
    await exited;
    clearTimeout(kill);
  }
  const secret = fake.token.split('.')[2];
  expect(out.length).toBeGreaterThan(1000);
  expect(out).toMatch(/"level":10/); // trace lines really were written
  expect(out).not.toContain(fake.token);
  expect(out).not.toContain(secret);
  recordReliability('secrets', { logBytesScanned: out.length, logLines: out.split('\n').length, level: 'trace', tokenFound: out.includes(fake.token), secretPartFound: out.includes(secret) });
}, 90_000);
