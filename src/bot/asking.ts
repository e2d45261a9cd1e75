/**
 * The one path from a question to the messages that answer it, shared by mentions, ask channels,
 * DMs, threads, `/ask` and "More passages"; plus the helper that answers an interaction within
 * Discord's 3-second deadline.
 */
import { MessageFlags, type RepliableInteraction } from 'discord.js';
import type { BotContext } from './context.js';
import { renderAnswer, renderText, type ReplyPayload } from './render.js';
import { EngineUnavailableError, UNAVAILABLE } from './remote-engine.js';
import type { Answer } from '../types.js';

/**
 * Strips the bot's own mentions (`<@id>`, `<@!id>`) and folds whitespace.
 *
 * @example
 * questionFromMessage('<@42> How many missions?', '42'); // 'How many missions?'
 */
export function questionFromMessage(content: string, botId: string): string {
  return content.replace(new RegExp(`<@!?${botId}>`, 'g'), ' ').replace(/\s+/g, ' ').trim();
}

/**
 * Questions are answered one at a time, each in its own turn of the event loop. `npm start` runs the
 * engine in a process of its own (src/answer/engine-process.ts), so answering never blocks this loop;
 * an engine in this process (tests, a caller's own) runs the model synchronously on the main thread
 * (onnxruntime-node queues runs with process.nextTick), and a burst of questions started together would
 * run back to back in one turn, holding deferrals, heartbeats and replies past Discord's 3 s deadline.
 * Taking turns costs no throughput (the runs are serial anyway) and lets the network in between answers.
 */
class AnswerQueue {
  private tail: Promise<unknown> = Promise.resolve();
  /** Questions waiting or being answered. */
  pending = 0;

  run<T>(job: () => Promise<T>): Promise<T> {
    this.pending++;
    const turn = this.tail.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(job);
    this.tail = turn.catch(() => undefined).finally(() => this.pending--);
    return turn;
  }
}

const answerQueue = new AnswerQueue();

/** What to say when someone mentions the bot with nothing to ask. */
export const EMPTY_QUESTION =
  'Ask me a question about the news articles — for example `@Verbatim How many air missions has the coalition flown?` or `/ask`. I answer only with exact quotes from my sources; `/help` tells more.';

/**
 * Answers a question with the current engine and renders it; the answer is cached so its buttons work.
 *
 * @example
 * const payloads = await answerQuestion(ctx, 'Who is the Pentagon spokesman?');
 * await message.reply(payloads[0]);
 */
export async function answerQuestion(ctx: BotContext, question: string, offset = 0): Promise<ReplyPayload[]> {
  let answered: { answer: Answer; buildId: string };
  try {
    answered = await answerQueue.run(async () => {
      const engine = ctx.engines.current; // taken when its turn comes, so a reload meanwhile is used
      return { answer: await engine.answer(question, { k: ctx.k, offset }), buildId: engine.buildId };
    });
  } catch (e) {
    // The index's cluster is down (VECTOR_STORE=elasticsearch): its own short reply; the next question tries again.
    if ((e as Error | undefined)?.name === 'IndexUnavailableError') {
      ctx.logger.warn({ err: e }, 'the index is unavailable');
      return [renderText((e as Error).message, { escape: false })];
    }
    // Thin mode: the answer service is down or busy. Say so; the next question tries it again.
    if (!(e instanceof EngineUnavailableError)) throw e;
    ctx.logger.warn({ err: e }, 'answer service unavailable');
    return [renderText(UNAVAILABLE, { escape: false })];
  }
  const { answer, buildId } = answered;
  const key = ctx.answers.put(answer, { k: ctx.k, offset, buildId });
  ctx.logger.info(
    { question: answer.question.slice(0, 200), abstained: answer.abstained, quotes: answer.quotes.length, offset, ms: Math.round(answer.ms), key },
    'answered',
  );
  return renderAnswer(answer, { key, k: ctx.k, offset });
}

/**
 * Replies to an interaction with what `work` produces: directly when it is quick, otherwise after a
 * `deferReply` sent `ctx.deferAfterMs` into the work, or at once when other questions are queued
 * (then `editReply`). Extra messages follow up.
 *
 * @example
 * await respond(ctx, interaction, () => answerQuestion(ctx, question));
 * await respond(ctx, interaction, async () => [renderText('Done.')], { ephemeral: true });
 */
export async function respond(
  ctx: BotContext,
  interaction: RepliableInteraction,
  work: () => Promise<ReplyPayload[]>,
  options: { ephemeral?: boolean } = {},
): Promise<void> {
  const flags = options.ephemeral ? MessageFlags.Ephemeral : undefined;
  let deferring: Promise<unknown> | undefined;
  const defer = () => {
    deferring ??= interaction.deferReply(flags ? { flags } : {}).catch((e: unknown) => {
      ctx.logger.warn({ err: e }, 'could not defer the interaction');
    });
  };
  let timer: NodeJS.Timeout | undefined;
  // Questions already waiting: this one queues behind them, so defer at once rather than count on
  // the timer (under a burst it fires late).
  if (ctx.deferAfterMs <= 0 || answerQueue.pending > 0) defer();
  else timer = setTimeout(defer, ctx.deferAfterMs);
  let payloads: ReplyPayload[];
  try {
    payloads = await work();
  } catch (e) {
    // The index's cluster is down (IndexUnavailableError, src/index/elasticsearch/client.ts): its own short
    // reply, and the next question tries the cluster again.
    const unavailable = (e as Error | undefined)?.name === 'IndexUnavailableError';
    if (unavailable) ctx.logger.warn({ err: e }, 'the index is unavailable');
    else ctx.logger.error({ err: e }, 'failed to prepare a reply');
    const text = unavailable ? (e as Error).message : 'Sorry, something went wrong while looking that up. Please try again.';
    payloads = [renderText(text, { escape: false })];
  } finally {
    clearTimeout(timer);
  }
  const [first, ...rest] = payloads;
  if (deferring) await deferring;
  if (interaction.deferred) {
    await interaction.editReply(first);
  } else {
    // Not deferred, or the deferral failed (then this reply fails too if the token expired, and is logged).
    await interaction.reply(flags ? { ...first, flags } : first);
  }
  for (const extra of rest) await interaction.followUp(flags ? { ...extra, flags } : extra);
}
