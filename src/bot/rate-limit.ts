/**
 * Per-user rate limit: at most `max` questions in any sliding window of `windowMs`. `max = 0` turns
 * it off. In memory and per process (each shard limits the users it serves).
 */

export type RateDecision =
  | { ok: true }
  | {
      ok: false;
      /** When the user may ask again. */
      retryAfterMs: number;
      /** True for the first refusal in the current window: tell the user once, then stay quiet. */
      firstRefusal: boolean;
    };

/**
 * @example
 * const limiter = new RateLimiter(config.discord.rateLimit.max, config.discord.rateLimit.windowMs);
 */
export class RateLimiter {
  private readonly hits = new Map<string, { times: number[]; warned: boolean }>();
  private lastSweep = 0;

  constructor(
    readonly max: number,
    readonly windowMs: number,
  ) {}

  /**
   * Counts one question for `userId` if allowed.
   *
   * @example
   * const limiter = new RateLimiter(5, 60_000);
   * const d = limiter.take('123');
   * if (!d.ok) reply(`Try again in ${Math.ceil(d.retryAfterMs / 1000)} s`);
   */
  take(userId: string, now = Date.now()): RateDecision {
    if (this.max <= 0 || this.windowMs <= 0) return { ok: true };
    this.sweep(now);
    let entry = this.hits.get(userId);
    if (!entry) this.hits.set(userId, (entry = { times: [], warned: false }));
    entry.times = entry.times.filter((t) => now - t < this.windowMs);
    if (entry.times.length < this.max) {
      entry.times.push(now);
      entry.warned = false;
      return { ok: true };
    }
    const retryAfterMs = Math.max(0, entry.times[0] + this.windowMs - now);
    const firstRefusal = !entry.warned;
    entry.warned = true;
    return { ok: false, retryAfterMs, firstRefusal };
  }

  /** Forgets users idle for a whole window, at most once per window. */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.windowMs) return;
    this.lastSweep = now;
    for (const [user, entry] of this.hits) {
      if (entry.times.every((t) => now - t >= this.windowMs)) this.hits.delete(user);
    }
  }

  /** Number of users currently tracked (for tests and metrics), e.g. `limiter.trackedUsers // 3`. */
  get trackedUsers(): number {
    return this.hits.size;
  }
}

/**
 * The friendly refusal shown to a user who asks too fast.
 *
 * @example
 * rateLimitMessage(12_300); // "You're asking faster than I can look things up. Please try again in 13 seconds."
 */
export function rateLimitMessage(retryAfterMs: number): string {
  const s = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return `You're asking faster than I can look things up. Please try again in ${s} second${s === 1 ? '' : 's'}.`;
}
