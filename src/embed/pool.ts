/**
 * Embedding on every core: worker processes, each with its own single-threaded model session, take
 * batches in turn. A sentence is ~20 word pieces, so one model run is too small for ONNX Runtime to
 * spread over two threads well; two one-thread sessions side by side do more (`npm run bench`).
 *
 * Processes, not worker threads: onnxruntime-node's native state is process-wide, and tearing down a
 * worker thread that loaded it corrupts the heap (`free(): invalid pointer` on the next pool).
 */
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { ModelError, type BatchRunner, type EmbedderOptions } from './embedder.js';

interface Job {
  rows: number[][];
  resolve: (vectors: Float32Array[]) => void;
  reject: (e: Error) => void;
}

/** A fixed set of embedding processes; `run` queues a batch for the next free one. */
export class EmbedPool implements BatchRunner {
  private readonly queue: Job[] = [];
  private readonly idle: ChildProcess[];
  private readonly busy = new Map<ChildProcess, Job>();
  private failure?: Error;

  private constructor(
    private readonly workers: ChildProcess[],
    private readonly dim: number,
  ) {
    this.idle = [...workers];
    for (const w of workers) {
      w.on('message', (m: { flat?: Float32Array; error?: string }) => this.finish(w, m));
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code, signal) => this.fail(new Error(`an embedding worker stopped (${signal ?? `exit code ${code}`})`)));
    }
  }

  /**
   * Starts `size` worker processes, each loading the model (about a second); default: one per core.
   * Workers pool as `options.profile` (or the model's profile) says; prefixes are applied by the
   * `Embedder` that tokenizes, before the ids reach a worker.
   *
   * @example
   * const pool = await EmbedPool.open(embedder.poolOptions('../shared/models')); // same model, pooling and cap
   * const vectors = await embedder.embed(texts, { kind: 'passage', runner: pool });
   * await pool.close();
   */
  static async open(options: EmbedderOptions, size = defaultPoolSize()): Promise<EmbedPool> {
    const entry = fileURLToPath(new URL('./pool-worker.ts', import.meta.url));
    const workers: ChildProcess[] = [];
    try {
      const dims = await Promise.all(
        Array.from({ length: size }, () => {
          const w = forkTs(entry, { VERBATIM_EMBED_OPTIONS: JSON.stringify(options) });
          workers.push(w);
          return new Promise<number>((resolve, reject) => {
            w.once('message', (m: { ready?: number; failed?: string }) => (m.ready ? resolve(m.ready) : reject(new Error(m.failed ?? 'no answer'))));
            w.once('error', reject);
            w.once('exit', (code) => reject(new Error(`exited with code ${code}`)));
          });
        }),
      );
      return new EmbedPool(workers, dims[0]);
    } catch (e) {
      for (const w of workers) w.kill();
      throw new ModelError(`Could not start the embedding workers: ${(e as Error).message}`);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  run(rows: number[][]): Promise<Float32Array[]> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ rows, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops the workers (queued batches are rejected). */
  async close(): Promise<void> {
    this.fail(new Error('the embedding pool was closed'));
    await Promise.all(
      this.workers.map((w) =>
        w.exitCode !== null || w.signalCode !== null ? undefined : new Promise<void>((resolve) => (w.once('exit', () => resolve()), w.disconnect())),
      ),
    );
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop()!;
      const job = this.queue.shift()!;
      this.busy.set(w, job);
      w.send({ rows: job.rows });
    }
  }

  private finish(w: ChildProcess, m: { flat?: Float32Array; error?: string }): void {
    const job = this.busy.get(w);
    if (!job) return;
    this.busy.delete(w);
    this.idle.push(w);
    if (m.flat) job.resolve(job.rows.map((_, i) => m.flat!.subarray(i * this.dim, (i + 1) * this.dim)));
    else job.reject(new ModelError(`Embedding failed in a worker: ${m.error}`));
    this.dispatch();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const job of [...this.busy.values(), ...this.queue.splice(0)]) job.reject(this.failure);
    this.busy.clear();
  }
}

/**
 * Starts a TypeScript file of the project as a child process with an IPC channel: typed arrays cross
 * it as bytes ('advanced' serialization, not JSON), its stderr is ours, its stdout is dropped.
 *
 * @example
 * const child = forkTs('/repo/src/embed/pool-worker.ts', { VERBATIM_EMBED_OPTIONS: '{…}' });
 */
export function forkTs(file: string, env: Record<string, string>): ChildProcess {
  return fork(file, [], {
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
}

/** One worker per core the process may use. */
export function defaultPoolSize(): number {
  return Math.max(1, os.availableParallelism());
}
