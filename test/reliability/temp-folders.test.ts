/**
 * Every temp folder a test makes lands in the run's own folder (test/support/tmp-global-setup.ts), which
 * is removed when the run ends, so killed workers leave nothing behind in the system's temp folder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/env.js';

describe('temp folders', () => {
  it("are made inside the run's own folder, which child processes reach too", () => {
    const dir = tempDir();
    expect(path.basename(path.dirname(dir))).toMatch(/^verbatim-run-/);
    // The Elasticsearch nodes run as their own user: the run's folder must let others through.
    expect(fs.statSync(path.dirname(dir)).mode & 0o005).toBe(0o005);
    expect(os.tmpdir()).toBe(path.dirname(dir));
  });
});
