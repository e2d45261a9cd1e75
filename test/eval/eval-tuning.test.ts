/**
 * `npm run eval -- --tuning <file>` as a user runs it (scripts/eval.ts in a child process): a broken
 * file or an unknown key is one clear line and exit code 1, never a stack trace.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/env.js';

const root = path.resolve(import.meta.dirname, '../..');

/** Runs the eval on the seed questions with `tuning` as the --tuning file's text; its exit code and stderr. */
function evalWith(tuning: string): Promise<{ code: number; stderr: string }> {
  const dir = tempDir('verbatim-tuning-');
  const file = path.join(dir, 'tuning.json');
  fs.writeFileSync(file, tuning);
  const args = ['--import', 'tsx', 'scripts/eval.ts', '--questions', 'eval/seed-unanswerable.jsonl', '--modes', 'hybrid', '--out', dir, '--tuning', file];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: root, env: { ...process.env, LOG_LEVEL: 'silent' } }, (error, _stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
    );
  });
}

describe('npm run eval -- --tuning', () => {
  it.each([
    ['not JSON', '{bad', /--tuning: .*tuning\.json is not valid JSON/],
    ['not an object', '[1]', /--tuning: .*must hold a JSON object/],
    ['an unknown key, named by its full path', '{ "abstain": { "model": { "nope": 1 } } }', /--tuning: unknown key "abstain\.model\.nope"/],
  ])('refuses a file with %s in one line', async (_what, text, message) => {
    const { code, stderr } = await evalWith(text);
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
