/**
 * Test plumbing for the answer service: the seed corpus built once per test file into a temp index,
 * and the real service (`startService`) started on a free loopback port with env-style overrides.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { loadConfig, type Config } from '../../src/config.js';
import type { EngineLoader } from '../../src/answer/engine-slot.js';
import { startService, type RunningService } from '../../src/serve/server.js';
import { FILES, resolveCurrent, switchCurrent } from '../../src/index/format.js';
import { tempDir } from './env.js';

export const QUESTION = 'How many air missions has the coalition flown?';
export const OFF_TOPIC = 'What is the best recipe for pizza dough?';

let built: Promise<string> | undefined;

/** The seed corpus's index folder, built once per test file (worker), e.g. `const indexDir = await seedIndex()`. */
export function seedIndex(): Promise<string> {
  built ??= (async () => {
    const indexDir = path.join(tempDir('verbatim-serve-'), 'index');
    const { buildIndex } = await import('../../src/index/build.js');
    await buildIndex(serviceConfig({ INDEX_DIR: indexDir }));
    return indexDir;
  })();
  return built;
}

/**
 * A service Config: port 0 (any free port), loopback, no watcher, the real model; `env` overrides.
 *
 * @example
 * const config = serviceConfig({ INDEX_DIR: dir, HTTP_API_KEYS: 'k1' });
 */
export function serviceConfig(env: Record<string, string> = {}): Config {
  return loadConfig(
    { HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', INDEX_WATCH_SECONDS: '0', MODEL_DIR: process.env.MODEL_DIR ?? '../shared/models', LOG_LEVEL: 'silent', ...env },
    { dotenv: false },
  );
}

/**
 * Starts the service over the seed index and waits until it is ready.
 *
 * @example
 * const service = await startTestService({ HTTP_RATE_LIMIT_MAX: '5' });
 */
export async function startTestService(
  env: Record<string, string> = {},
  options: { loader?: EngineLoader; logger?: Logger; watchMs?: number; wait?: boolean } = {},
): Promise<RunningService> {
  const config = serviceConfig({ INDEX_DIR: env.INDEX_DIR ?? (await seedIndex()), ...env });
  if (options.watchMs) config.discord.indexWatchMs = options.watchMs;
  const service = await startService({ config, logger: options.logger, loader: options.loader });
  if (options.wait !== false) await service.ready;
  return service;
}

/**
 * A copy of the live build under a new build id, made `current` (a rebuild, without re-embedding);
 * `broken` writes a manifest that cannot be read.
 *
 * @example
 * cloneBuild(indexDir, 'rebuilt-1');
 */
export function cloneBuild(indexDir: string, buildId: string, options: { broken?: boolean } = {}): string {
  const from = resolveCurrent(indexDir);
  const to = path.join(indexDir, 'builds', buildId);
  fs.cpSync(from, to, { recursive: true });
  const manifestFile = path.join(to, FILES.manifest);
  const manifest = { ...JSON.parse(fs.readFileSync(manifestFile, 'utf8')), buildId };
  fs.writeFileSync(manifestFile, options.broken ? JSON.stringify({ ...manifest, format: 'broken', counts: null }) : JSON.stringify(manifest, null, 2));
  switchCurrent(indexDir, to);
  return to;
}

/** A copy of the seed index in its own folder (for tests that rebuild or break it). */
export async function copySeedIndex(): Promise<string> {
  const to = path.join(tempDir('verbatim-serve-copy-'), 'index');
  const live = resolveCurrent(await seedIndex());
  const dest = path.join(to, 'builds', path.basename(live));
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.cpSync(live, dest, { recursive: true });
  switchCurrent(to, dest);
  return to;
}

/** JSON request helper: `const r = await call(url, '/v1/answers', { question })` → { status, headers, body }. */
export async function call(
  base: string,
  route: string,
  body?: unknown,
  init: { headers?: Record<string, string>; method?: string; raw?: string } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies of many shapes, checked by each test
): Promise<{ status: number; headers: Headers; body: any; text: string }> {
  const method = init.method ?? (body !== undefined || init.raw !== undefined ? 'POST' : 'GET');
  const headers: Record<string, string> = { ...(body !== undefined || init.raw !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers };
  const res = await fetch(base + route, { method, headers, body: init.raw ?? (body !== undefined ? JSON.stringify(body) : undefined) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}
