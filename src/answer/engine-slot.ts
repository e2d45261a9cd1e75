/**
 * Holds the engine the bot answers with, and swaps it for a freshly loaded one on `/reload` or when
 * the index on disk changes. A failed load keeps the old engine serving. Questions already being
 * answered finish on the engine they started with.
 */
import type { Logger } from 'pino';
import type { AnswerEngine } from './api.js';

/** Loads engines from wherever the index lives (the real one: `indexEngineLoader`). */
export interface EngineLoader {
  /** Loads a fresh engine; `previous` lets it reuse what never changes (the embedding model). */
  load(previous?: AnswerEngine): Promise<AnswerEngine>;
  /** The build id currently on disk, cheaply (no model, no vectors); undefined when there is none. */
  probe?(): Promise<string | undefined>;
  /** Releases what the loader holds (the engine's own process: `processEngineLoader`). */
  close?(): Promise<void>;
}

export type ReloadResult =
  | { ok: true; previous: string; current: string; changed: boolean }
  | { ok: false; current: string; error: Error };

/**
 * @example
 * const slot = new EngineSlot(await loader.load(), loader, logger);
 * slot.watch(10_000);              // reload when `npm run build-index` makes a new build
 * await slot.current.answer('…');
 */
export class EngineSlot {
  private engine: AnswerEngine;
  private reloading: Promise<ReloadResult> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    engine: AnswerEngine,
    private readonly loader: EngineLoader | undefined,
    private readonly logger: Logger,
  ) {
    this.engine = engine;
  }

  /**
   * The engine to use for the next question.
   *
   * @example
   * const answer = await slot.current.answer('Who is the Pentagon spokesman?');
   */
  get current(): AnswerEngine {
    return this.engine;
  }

  /** Whether `reload` can do anything (a loader was given), e.g. `if (slot.canReload) await slot.reload()`. */
  get canReload(): boolean {
    return this.loader !== undefined;
  }

  /**
   * Loads the index again and swaps it in; concurrent calls share one load.
   *
   * @example
   * const r = await slot.reload();
   * r.ok ? `now serving ${r.current}` : `still serving ${r.current}: ${r.error.message}`;
   */
  reload(): Promise<ReloadResult> {
    this.reloading ??= this.doReload().finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  private async doReload(): Promise<ReloadResult> {
    const previous = this.engine.buildId;
    if (!this.loader) return { ok: false, current: previous, error: new Error('This bot was started with a fixed engine; nothing to reload from.') };
    try {
      const next = await this.loader.load(this.engine);
      this.engine = next;
      this.logger.info({ previous, current: next.buildId }, 'index reloaded');
      return { ok: true, previous, current: next.buildId, changed: previous !== next.buildId };
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      this.logger.error({ err: error, current: previous }, 'index reload failed; still serving the previous index');
      return { ok: false, current: previous, error };
    }
  }

  /**
   * Polls the loader's `probe` every `intervalMs` and reloads when the build id on disk differs from
   * the one being served. 0 (or no probe) does nothing.
   *
   * @example
   * slot.watch(config.discord.indexWatchMs);
   */
  watch(intervalMs: number): void {
    this.unwatch();
    if (intervalMs <= 0 || !this.loader?.probe) return;
    let failedBuild: string | undefined;
    this.timer = setInterval(() => {
      if (this.polling) return;
      this.polling = true;
      void (async () => {
        try {
          const onDisk = await this.loader!.probe!();
          if (!onDisk || onDisk === this.engine.buildId || onDisk === failedBuild) return;
          this.logger.info({ onDisk, serving: this.engine.buildId }, 'a new index build appeared; reloading');
          const r = await this.reload();
          // Do not retry a build that failed to load on every tick; a newer build is tried again.
          failedBuild = r.ok ? undefined : onDisk;
        } catch (e) {
          this.logger.warn({ err: e }, 'could not check the index for changes');
        } finally {
          this.polling = false;
        }
      })();
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops `watch`, e.g. `slot.unwatch()` on shutdown. */
  unwatch(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops `watch` and releases the loader's resources, e.g. `await slot.close()` on shutdown. */
  async close(): Promise<void> {
    this.unwatch();
    await this.loader?.close?.();
  }
}
