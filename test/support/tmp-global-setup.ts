/**
 * Gives each test run a temporary folder of its own and removes it when the run ends. Every folder the
 * tests make under `os.tmpdir()` — and those of the bots, services and builds they start as child
 * processes — lands in it through TMPDIR, which the workers inherit. Cleaning up per folder at
 * process exit left hundreds behind: a killed or recycled worker never runs its exit handlers.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const before = process.env.TMPDIR;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'verbatim-run-'));
  // mkdtemp makes it 0700: the Elasticsearch tests run their nodes as another user, which must get through it.
  fs.chmodSync(root, 0o755);
  process.env.TMPDIR = root;
  return () => {
    fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
  };
}
