/**
 * 👍/👎 feedback, appended as one JSON line per vote to `config.discord.feedbackLog`. Writes are
 * queued so concurrent votes never interleave, and never block the event loop.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

export interface FeedbackEntry {
  at: string;
  vote: 'up' | 'down';
  question: string;
  /** The quotes the vote is about: sentence id (within `buildId`) and source id. */
  quotes: { sentenceId: number; sourceId: string }[];
  abstained: boolean;
  buildId: string;
  answerKey: string;
  userId: string;
  guildId: string | null;
  channelId: string | null;
}

/**
 * @example
 * const log = new FeedbackLog(config.discord.feedbackLog);
 * await log.record(entry); // data/feedback.jsonl gains one line
 */
export class FeedbackLog {
  private queue: Promise<void> = Promise.resolve();

  constructor(readonly file: string) {}

  /**
   * Appends one entry; resolves once it is on disk (rejects if the file cannot be written).
   *
   * @example
   * await new FeedbackLog('data/feedback.jsonl').record({ at: new Date().toISOString(), vote: 'up', ... });
   */
  record(entry: FeedbackEntry): Promise<void> {
    const line = JSON.stringify(entry) + '\n';
    const write = this.queue.then(async () => {
      await fs.mkdir(path.dirname(path.resolve(this.file)), { recursive: true });
      await fs.appendFile(this.file, line, 'utf8');
    });
    this.queue = write.catch(() => undefined);
    return write;
  }
}
