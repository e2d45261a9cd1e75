/**
 * What every handler receives: configuration, the engine slot, the shared caches, the logger.
 * One per running client (so one per shard process, or per client in tests).
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { AnswerCache } from './answer-cache.js';
import type { EngineSlot } from '../answer/engine-slot.js';
import type { FeedbackLog } from './feedback.js';
import type { RateLimiter } from './rate-limit.js';

export interface BotContext {
  config: Config;
  engines: EngineSlot;
  answers: AnswerCache;
  limiter: RateLimiter;
  feedback: FeedbackLog;
  logger: Logger;
  /** Quotes per answer page. */
  k: number;
  /** An interaction whose work takes longer than this is deferred first (Discord's deadline is 3 s). */
  deferAfterMs: number;
}
