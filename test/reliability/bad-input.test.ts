/**
 * Bad input, through the fake Discord (mention, DM and /ask, real engine) and through the CLI
 * (`scripts/ask.ts --json`, `--batch` with malformed lines): every input gets a clear, polite reply
 * within a bounded time; nothing crashes, hangs or pings anyone.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FakeDiscord, type RecordedRequest } from '../support/fake-discord.js';
import { ROUTES, type TestBot } from '../support/bot-harness.js';
import { runTsx } from './child.js';
import { recordReliability } from './report.js';
import { startSharedBot, stopSharedBot } from './shared-bot.js';
import { MODEL_DIR, scratch } from './shared-index.js';

const QUESTION = 'How many air missions has the coalition flown?';
const zalgo = (s: string) => [...s].map((c, i) => c + '\u0301\u0316\u0334\u0337\u035c\u0360'.slice(0, 3 + (i % 4))).join('');

/** Every bad input tried, by name. */
export const BAD_INPUTS: Record<string, string> = {
  empty: '',
  whitespace: ' \t \n  \u00a0 \u2003 ',
  chars4000: `${QUESTION} ${'Please tell me more about the coalition and what Kerry said. '.repeat(80)}`.slice(0, 4000),
  oneWord4000: 'a'.repeat(4000),
  emojiOnly: '🔥🔥🔥 😀👍🏽 🇺🇸 ❓',
  emojiQuestion: '🤔 What did Kerry say 🇺🇸 about the coalition?? 🔥🔥',
  zalgo: zalgo('Who is the Pentagon spokesman?'),
  zalgoOnly: zalgo('ééé'),
  rtlArabic: 'ماذا قال كيري عن التحالف؟',
  rtlOverride: '\u202eWhat did Kerry say?\u202c \u200f\u200e',
  markdown: '**bold** __under__ ~~strike~~ ||spoiler|| # Heading\n> quoted\n- list [click](https://evil.example) what did Kerry say?',
  codeBlock: '```js\nalert(1)\n``` what did Kerry say about the coalition? ```',
  unbalancedFence: '``` ` `` what ```',
  everyone: '@everyone @here how many air missions?',
  roleMention: '<@&123456789012345678> what did Kerry say?',
  userMention: '<@111111111111111111> <@!222222222222222222> who is the Pentagon spokesman?',
  channelAndEmoji: '<#333333333333333333> <:kerry:444444444444444444> <a:wave:555555555555555555> coalition?',
  link: 'https://evil.example/phish?x=<script>alert(1)</script> what about the coalition?',
  french: 'Combien de missions aériennes la coalition a-t-elle effectuées ?',
  chinese: '联盟执行了多少次空袭任务？',
  controlChars: '\u0000\u0007\u001b[31mred\u001b[0m what did Kerry say?\u0000',
  punctuation: '??? !!! ... ,,,',
  loneSurrogate: 'what did Kerry say \ud83d?',
};

const POLITE = [/Ask me a question/, /don't answer that/, /question was long/, /try again/, /No more passages/];
const UGLY = /undefined|\bnull\b|NaN|\[object |Error:|exception|stack|at .*\.ts:\d+/i;

/** Checks one Discord reply body: quotes, or a known polite message; never pings, within limits. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function expectPolite(name: string, body: any): void {
  const embeds: { description?: string }[] = body.embeds ?? [];
  const content: string = body.content ?? '';
  expect(embeds.length > 0 || content.length > 0, `${name}: empty reply`).toBe(true);
  if (embeds.length === 0) expect(POLITE.some((p) => p.test(content.replace(/\\/g, ''))), `${name}: ${content}`).toBe(true);
  for (const e of embeds) {
    expect(e.description, name).toMatch(/^> /);
    expect(e.description!.length).toBeLessThanOrEqual(4096);
  }
  expect(content.length).toBeLessThanOrEqual(2000);
  expect(content, name).not.toMatch(UGLY);
  const json = JSON.stringify(body);
  expect(json, name).not.toMatch(/(^|[^\u200b])@(everyone|here)/);
  expect(json, name).not.toMatch(/<@&\d/);
  if (body.allowed_mentions) expect(body.allowed_mentions.parse, name).toEqual([]);
}

let fake: FakeDiscord;
let bot: TestBot;
let indexDir: string;
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);
const figures: Record<string, unknown> = { inputs: Object.keys(BAD_INPUTS) };

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  // No rate limit: every input must be answered.
  ({ fake, bot, indexDir } = await startSharedBot({ RATE_LIMIT_MAX: '0' }));
}, 180_000);

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await stopSharedBot(fake, bot);
  recordReliability('badInput', figures);
});

describe('through the fake Discord', () => {
  test('every bad input, as a mention, a DM and /ask, gets a polite reply; the bot keeps answering', async () => {
    const slowest: Record<string, number> = {};
    for (const [name, input] of Object.entries(BAD_INPUTS)) {
      const t0 = Date.now();
      const m = fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} ${input}` });
      const r: RecordedRequest = await fake.waitFor((x) => x.route === ROUTES.message && x.body?.message_reference?.message_id === m.id, { timeout: 15_000 });
      expectPolite(`mention ${name}`, r.body);

      const dm = fake.sendMessage({ dm: true, content: input });
      if (input.trim()) {
        const d = await fake.waitFor((x) => x.route === ROUTES.message && x.body?.message_reference?.message_id === dm.id, { timeout: 15_000 });
        expectPolite(`dm ${name}`, d.body);
      }

      const i = fake.sendSlashCommand('ask', { question: input });
      const reply = await fake.waitForReply(i, { timeout: 15_000 });
      expectPolite(`/ask ${name}`, reply);
      // Discord's deadline: the first callback within 3 s of INTERACTION_CREATE.
      const sent = fake.gatewayLog.find((f) => f.t === 'INTERACTION_CREATE' && f.d.id === i.id)!;
      const callback = fake.requests.find((x) => x.route === ROUTES.callback && x.params.id === i.id)!;
      expect(callback.status).toBeLessThan(300);
      expect(callback.at - sent.at, `/ask ${name}`).toBeLessThan(3000);
      slowest[name] = Date.now() - t0;
    }
    // An empty DM (Discord sends those for attachments) gets the help text.
    const empty = fake.sendMessage({ dm: true, content: '' });
    const e = await fake.waitFor((x) => x.route === ROUTES.message && x.body?.message_reference?.message_id === empty.id);
    expect(e.body.content).toMatch(/Ask me a question/);

    const after = fake.sendMessage({ channelId: fake.channels.general.id, content: `${fake.mention()} ${QUESTION}` });
    const ok = await fake.waitFor((x) => x.route === ROUTES.message && x.body?.message_reference?.message_id === after.id, { timeout: 15_000 });
    expect(ok.body.embeds.length).toBeGreaterThan(0);
    expect(bot.logs.filter((l) => /"level":(50|60)/.test(l))).toEqual([]);
    expect(unhandled).toEqual([]);
    figures.discordReplies = Object.keys(BAD_INPUTS).length * 3 + 1;
    figures.slowestInputMs = Math.max(...Object.values(slowest));
  }, 120_000);
});

describe('through the CLI', () => {
  const ask = (args: string[], timeoutMs = 60_000) => runTsx(['scripts/ask.ts', ...args], { INDEX_DIR: indexDir, MODEL_DIR, LOG_LEVEL: 'silent' }, timeoutMs);
  /** Runs the jobs two at a time (the machine has two cores). */
  async function pool<T>(jobs: (() => Promise<T>)[]): Promise<T[]> {
    const out: T[] = new Array(jobs.length);
    let next = 0;
    await Promise.all(
      [0, 1].map(async () => {
        while (next < jobs.length) {
          const i = next++;
          out[i] = await jobs[i]();
        }
      }),
    );
    return out;
  }

  test('--json with bad questions exits 0 with one valid JSON answer; --batch survives malformed lines; a missing file is one clear line', async () => {
    // One process per question costs a model load: a few singles, every input in the batch.
    const singles = ['empty', 'chars4000', 'zalgo'];
    const batchFile = path.join(scratch('verbatim-batch-'), 'in.jsonl');
    const lines = [
      JSON.stringify({ question: QUESTION }),
      '{not json',
      JSON.stringify({ question: 42 }),
      JSON.stringify('just a string'),
      'null',
      '',
      '   ',
      JSON.stringify({ q: 'wrong key' }),
      ...Object.values(BAD_INPUTS).map((question) => JSON.stringify({ question })),
      '{"question": "unterminated',
    ];
    fs.writeFileSync(batchFile, lines.join('\n') + '\n');
    const runs = await pool([
      ...singles.map((name) => () => ask(['--json', BAD_INPUTS[name]])),
      () => ask(['--batch', batchFile]),
      () => ask(['--batch', path.join(path.dirname(batchFile), 'missing.jsonl')]),
    ]);

    singles.forEach((name, i) => {
      const r = runs[i];
      expect(r.signal, `${name}: ${r.stderr}`).toBeNull();
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      const out = r.stdout.trim().split('\n');
      expect(out, name).toHaveLength(1);
      const answer = JSON.parse(out[0]);
      expect(Array.isArray(answer.quotes), name).toBe(true);
      if (answer.abstained) expect(answer.notice, name).toMatch(/Ask me a question|don't answer that/);
    });
    expect(JSON.parse(runs[singles.indexOf('empty')].stdout).notice).toMatch(/Ask me a question/);
    expect(JSON.parse(runs[singles.indexOf('chars4000')].stdout).notice).toMatch(/question was long/);

    const batch = runs[singles.length];
    expect(batch.code, batch.stderr).toBe(0);
    const answers = batch.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(answers).toHaveLength(lines.filter((l) => l.trim()).length);
    expect(answers[0].quotes.length).toBeGreaterThan(0);
    const errors = answers.filter((a) => a.error);
    expect(errors.map((a) => a.error.replace(/: .*/, ''))).toEqual(['line 2', 'line 3', 'line 4', 'line 5', 'line 6', `line ${lines.filter((l) => l.trim()).length}`]);
    for (const a of errors) expect(a.error).toMatch(/expected \{"question": "…"\}/);

    const missing = runs[singles.length + 1];
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toMatch(/^Cannot read the --batch file .*missing\.jsonl \(ENOENT\)\.$/);
    figures.cliRuns = runs.length;
    figures.cliBatchLines = answers.length;
    figures.cliSlowestRunMs = Math.max(...runs.map((r) => r.ms));
  }, 120_000);
});
