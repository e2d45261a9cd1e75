/**
 * Runs the answer engine in a child process of its own, so the bot's event loop never waits behind the
 * model.
 *
 * Why: onnxruntime-node runs the embedder and the reader synchronously on the calling thread. In the
 * bot's process every answer (30–350 ms with the reader, on 2 cores) held up the gateway heartbeat,
 * interaction deferrals and replies; under a burst of questions on a slower machine, replies queued for
 * seconds, discord.js timed out and re-sent interaction callbacks, and Discord refused the second
 * ("already acknowledged"). In its own process the model takes the same time, but the loop that talks to
 * Discord stays free. A process, not a worker thread: onnxruntime-node 1.14's binding loads once per
 * process ("Module did not self-register" in a second thread).
 *
 * The engine's public surface (`AnswerEngine`) crosses the IPC channel ('advanced' serialization, so
 * typed arrays and dates survive); errors keep their `name` and message, so the faces' checks
 * (`IndexError`, `IndexUnavailableError`) still work. The child loads the index with the ordinary
 * `indexEngineLoader`; a reload loads a new engine beside the old one, whose questions already asked
 * finish on it (the child then drops it). If the child dies, its callers get an error and the next
 * question starts a new child, which loads the index on disk then: engines of the dead child answer
 * from it and report its build id, so an answer is never labelled with a build it did not come from.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { forkTs } from '../embed/pool.js';
import type { Config } from '../config.js';
import type { AnswerEngine, AnswerOptions, QuoteContext, SourceInfo } from './api.js';
import type { EngineLoader } from './engine-slot.js';
import { indexEngineLoader } from './index-loader.js';
import type { Answer } from '../types.js';

/** The engine's process died or was closed while a question waited for it. */
export class EngineProcessError extends Error {
  override name = 'EngineProcessError';
}

/** What the bot asks the engine's process (engine-process-child.ts). */
export type EngineRequest =
  | { id: number; op: 'load'; config: Config }
  | { id: number; op: 'answer'; gen: number; args: [string, AnswerOptions | undefined] }
  | { id: number; op: 'sources'; gen: number; args: [] }
  | { id: number; op: 'source'; gen: number; args: [string] }
  | { id: number; op: 'context'; gen: number; args: [number, number | undefined] };

/** The engine process's reply to one request. */
export type EngineReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; message: string; stack?: string } };

/** A loader whose engines live in another process; `close` stops it. */
export interface ProcessEngineLoader extends EngineLoader {
  close(): Promise<void>;
  /** The engine process's id while it runs (for logs and tests). */
  readonly pid: number | undefined;
}

/**
 * The bot's engine loader: the index engine (local or Elasticsearch, as `config` says), run in its own
 * process. The build-id probe stays in the calling process (it reads one small file).
 *
 * @example
 * const loader = processEngineLoader(config);
 * const engine = await loader.load();          // loads the index and the models in the child
 * (await engine.answer('How many air missions has the coalition flown?')).quotes[0].text;
 * await loader.close();
 */
export function processEngineLoader(config: Config): ProcessEngineLoader {
  const child = new EngineProcess(config);
  return {
    async load() {
      const loaded = await child.load();
      return new ChildEngine(child, loaded);
    },
    probe: indexEngineLoader(config).probe,
    close: () => child.close(),
    get pid() {
      return child.pid;
    },
  };
}

/** One engine loaded in one child process (`epoch`); a reload makes the next generation. */
interface Loaded {
  epoch: number;
  gen: number;
  buildId: string;
}

/** An engine loaded in the child, as one generation of it (a reload makes the next one). */
class ChildEngine implements AnswerEngine {
  constructor(
    private readonly child: EngineProcess,
    private readonly loaded: Loaded,
  ) {}

  /** Its own build; once its child has died, the build the new child loaded (which answers for it). */
  get buildId(): string {
    return this.child.stand(this.loaded).buildId;
  }

  private get gen(): number {
    return this.child.stand(this.loaded).gen;
  }

  answer(question: string, options?: AnswerOptions): Promise<Answer> {
    return this.child.call({ op: 'answer', gen: this.gen, args: [question, options] }) as Promise<Answer>;
  }

  sources(): Promise<SourceInfo[]> {
    return this.child.call({ op: 'sources', gen: this.gen, args: [] }) as Promise<SourceInfo[]>;
  }

  source(id: string): Promise<SourceInfo | undefined> {
    return this.child.call({ op: 'source', gen: this.gen, args: [id] }) as Promise<SourceInfo | undefined>;
  }

  context(sentenceId: number, radius?: number): Promise<QuoteContext | undefined> {
    return this.child.call({ op: 'context', gen: this.gen, args: [sentenceId, radius] }) as Promise<QuoteContext | undefined>;
  }
}

type Pending = { child: ChildProcess; resolve: (v: unknown) => void; reject: (e: Error) => void };
type Call = EngineRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** The child process and the requests waiting for it. */
class EngineProcess {
  private child: ChildProcess | undefined;
  private restarting: Promise<unknown> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  /** Counts the children started; an engine of an earlier one is answered for by `latest`. */
  private epoch = 0;
  private latest: Loaded | undefined;

  constructor(private readonly config: Config) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Loads a (new) engine in the child, starting the child if needed. */
  async load(): Promise<Loaded> {
    const starting = !this.child;
    const epoch = starting ? this.epoch + 1 : this.epoch;
    try {
      const { gen, buildId } = (await this.call({ op: 'load', config: this.config })) as { gen: number; buildId: string };
      this.latest = { epoch, gen, buildId };
      return this.latest;
    } catch (e) {
      // A fresh child that could not load the index holds nothing: end it, so the next question tries anew.
      if (starting) await this.stopChild();
      throw e;
    }
  }

  /** The engine that answers for `loaded`: itself while its child lives, else the latest child's. */
  stand(loaded: Loaded): Loaded {
    return loaded.epoch === this.epoch || !this.latest ? loaded : this.latest;
  }

  async call(request: Call): Promise<unknown> {
    if (this.closed) throw new EngineProcessError('The answer engine was closed.');
    if (!this.child && request.op !== 'load') {
      // The child died: start a new one and load the index again before asking it anything.
      this.restarting ??= this.load().finally(() => (this.restarting = undefined));
      await this.restarting;
      if (this.closed) throw new EngineProcessError('The answer engine was closed.');
      // Asked of the dead child's engine: the new child's answers for it.
      if ('gen' in request) request = { ...request, gen: this.latest!.gen };
    }
    if (!this.child) {
      this.child = this.start();
      this.epoch++;
    }
    const child = this.child;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { child, resolve, reject });
      child.send({ ...request, id } as EngineRequest);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.stopChild();
  }

  private async stopChild(): Promise<void> {
    const w = this.child;
    this.child = undefined;
    if (w && w.exitCode === null && w.signalCode === null) {
      const exited = new Promise((resolve) => w.once('exit', resolve));
      w.kill();
      await exited;
    }
  }

  private start(): ChildProcess {
    const child = forkTs(path.join(path.dirname(fileURLToPath(import.meta.url)), 'engine-process-child.ts'), {});
    child.on('message', (reply: EngineReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.value);
      else p.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name, stack: reply.error.stack }));
    });
    const died = (why: string) => {
      if (this.child === child) this.child = undefined;
      this.failAll(child, new EngineProcessError(`The answer engine's process stopped (${why}); the next question starts it again.`));
    };
    child.on('error', (e) => died(e.message));
    child.on('exit', (code, signal) => died(signal ? `signal ${signal}` : `exit code ${code}`));
    return child;
  }

  /** Rejects what was asked of `child` (a newer child's requests go on). */
  private failAll(child: ChildProcess, e: Error): void {
    for (const [id, p] of this.pending) {
      if (p.child !== child) continue;
      this.pending.delete(id);
      p.reject(e);
    }
  }
}
