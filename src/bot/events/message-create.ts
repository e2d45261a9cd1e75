/**
 * `messageCreate`: questions by mention, in an ask channel, by DM, or in a thread the bot opened
 * (thread mode). Bots, webhooks and system messages are ignored.
 */
import { ChannelType, Events, type Message } from 'discord.js';
import { answerQuestion, EMPTY_QUESTION, questionFromMessage } from '../asking.js';
import type { BotContext } from '../context.js';
import { rateLimitMessage } from '../rate-limit.js';
import { renderText, truncate, type ReplyPayload } from '../render.js';

export const name = Events.MessageCreate;

/**
 * Why a message is a question for the bot, or undefined when it is not.
 *
 * @example
 * askedBy(message, ctx); // 'mention' for "@Verbatim who is Kerry?", undefined for a bot's message
 */
export function askedBy(message: Message, ctx: BotContext): 'dm' | 'mention' | 'ask-channel' | 'thread' | undefined {
  if (message.author.bot || message.webhookId || message.system) return undefined;
  const botId = message.client.user.id;
  if (!message.inGuild()) return 'dm';
  if (message.mentions.users.has(botId)) return 'mention';
  if (ctx.config.discord.askChannelIds.includes(message.channelId)) return 'ask-channel';
  if (ctx.config.discord.replyInThread && message.channel.isThread() && message.channel.ownerId === botId) return 'thread';
  return undefined;
}

/**
 * @example
 * client.on(Events.MessageCreate, (m) => void execute(m, ctx));
 */
export async function execute(message: Message, ctx: BotContext): Promise<void> {
  const how = askedBy(message, ctx);
  if (!how) return;
  const log = ctx.logger.child({ message: message.id, channel: message.channelId, how });
  try {
    const question = questionFromMessage(message.content, message.client.user.id);
    if (!question) {
      // An ask channel or a thread also sees images and chatter: only answer an empty mention or DM.
      if (how === 'mention' || how === 'dm') await message.reply(renderText(EMPTY_QUESTION, { escape: false }));
      return;
    }
    const decision = ctx.limiter.take(message.author.id);
    if (!decision.ok) {
      if (decision.firstRefusal) await message.reply(renderText(rateLimitMessage(decision.retryAfterMs), { escape: false }));
      return;
    }
    const payloads = await answerQuestion(ctx, question);
    await deliver(message, payloads, how, ctx);
  } catch (e) {
    log.error({ err: e }, 'could not answer a message');
  }
}

/** Sends the answer: in a new thread on the question (thread mode, channel questions), else as a reply. */
async function deliver(message: Message, payloads: ReplyPayload[], how: string, ctx: BotContext): Promise<void> {
  const [first, ...rest] = payloads;
  const threadable =
    ctx.config.discord.replyInThread &&
    (how === 'mention' || how === 'ask-channel') &&
    message.inGuild() &&
    (message.channel.type === ChannelType.GuildText || message.channel.type === ChannelType.GuildAnnouncement);
  if (threadable) {
    try {
      const name = truncate(questionFromMessage(message.content, message.client.user.id) || 'Question', 100);
      const thread = await message.startThread({ name, autoArchiveDuration: 1440, reason: 'Verbatim answer' });
      await thread.send(first);
      for (const extra of rest) await thread.send(extra);
      return;
    } catch (e) {
      ctx.logger.warn({ err: e, channel: message.channelId }, 'could not open a thread; replying in the channel instead');
    }
  }
  await message.reply(first);
  for (const extra of rest) {
    if (message.channel.isSendable()) await message.channel.send(extra);
  }
}
