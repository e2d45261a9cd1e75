/**
 * A small LRU of recent answers, keyed by a short random id that the answer's buttons carry. Old
 * entries fall out (by count and age); a button whose answer is gone gets a polite "ask again".
 */
import crypto from 'node:crypto';
import type { Answer } from '../types.js';

/** What a button needs to act on an answer after it was sent. */
export interface CachedAnswer {
  question: string;
  /** How many quotes per page and which page this entry shows. */
  k: number;
  offset: number;
  abstained: boolean;
  /** The quotes shown, as ids: the feedback log and "Show context" need nothing more. */
  quotes: { sentenceId: number; sourceId: string }[];
  /** The index build that produced the sentence ids (they are only stable within one build). */
  buildId: string;
  createdAt: number;
}

/**
 * @example
 * const cache = new AnswerCache(1000);
 * const key = cache.put(answer, { k: 3, offset: 0, buildId: engine.buildId });
 * cache.get(key)?.quotes; // [{ sentenceId: 50, sourceId: '001_e9a4…' }, …]
 */
export class AnswerCache {
  private readonly entries = new Map<string, CachedAnswer>();

  /**
   * @param capacity how many answers are kept (least recently used are dropped first)
   * @param ttlMs how long an answer's buttons keep working
   */
  constructor(
    readonly capacity = 1000,
    readonly ttlMs = 24 * 60 * 60 * 1000,
  ) {}

  /**
   * Stores an answer and returns its key (8 url-safe characters).
   *
   * @example
   * const key = cache.put(answer, { k: 3, offset: 0, buildId: engine.buildId }); // 'Qm3x_9aZ'
   */
  put(answer: Answer, meta: { k: number; offset: number; buildId: string }, now = Date.now()): string {
    const key = crypto.randomBytes(6).toString('base64url');
    this.entries.set(key, {
      question: answer.question,
      k: meta.k,
      offset: meta.offset,
      abstained: answer.abstained,
      quotes: answer.quotes.map((q) => ({ sentenceId: q.sentenceId, sourceId: q.source.id })),
      buildId: meta.buildId,
      createdAt: now,
    });
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return key;
  }

  /**
   * The cached answer, or undefined when it expired or was evicted; a hit counts as a use.
   *
   * @example
   * cache.get('Qm3x_9aZ')?.question; // 'How many air missions has the coalition flown?'
   */
  get(key: string, now = Date.now()): CachedAnswer | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (now - entry.createdAt > this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  /** Number of answers held, e.g. `cache.size // 42`. */
  get size(): number {
    return this.entries.size;
  }
}
