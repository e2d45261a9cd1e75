/**
 * `npm start` as a user runs it (scripts/start.ts in a child process) against the fake Discord:
 * a sharded start with the ShardingManager, on the real index, answering in both shards' guilds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { FakeDiscord } from '../support/fake-discord.js';
import { realEngine, ROUTES } from '../support/bot-harness.js';

let fake: FakeDiscord;
let child: ChildProcess | undefined;
let output = '';

beforeAll(async () => {
  fake = await FakeDiscord.start();
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  }
  await fake?.stop();
});

test('npm start -- --shards 2 runs two shard processes that both answer', async () => {
  const { config } = await realEngine();
  const root = path.resolve(import.meta.dirname, '../..');
  child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts', '--shards', '2'], {
    cwd: root,
    env: {
      ...process.env,
      DISCORD_TOKEN: fake.token,
      DISCORD_API_URL: fake.apiUrl,
      INDEX_DIR: config.indexDir,
      INDEX_WATCH_SECONDS: '0',
      LOG_LEVEL: 'info',
      FEEDBACK_LOG: path.join(config.indexDir, '..', 'feedback.jsonl'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));

  const identified = () =>
    fake.gatewayLog
      .filter((f) => f.dir === 'in' && f.op === 2)
      .map((f) => f.d.shard.join('/'))
      .sort();
  for (let i = 0; i < 300 && identified().length < 2 && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
  expect(identified(), output).toEqual(['0/2', '1/2']);
  // Both shard processes answer in their own guild.
  for (const channel of [fake.channels.general, fake.channels.lobby]) {
    const m = fake.sendMessage({ channelId: channel.id, content: `${fake.mention()} How many air missions has the coalition flown?` });
    const r = await fake.waitFor((x) => x.route === ROUTES.message && x.body?.message_reference?.message_id === m.id, { timeout: 20_000 });
    expect(r.body.embeds.length).toBeGreaterThan(0);
  }
  expect(output).not.toContain(fake.token);
  if (process.env.SHOW_START_OUTPUT) console.log(output);
}, 90_000);
