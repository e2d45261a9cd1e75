/**
 * Button clicks: "More passages", "Show context", 👍/👎 and the /sources pages. Everything a button
 * needs is in its custom_id (see `custom-id.ts`) plus the answer cache.
 */
import { MessageFlags, type ButtonInteraction } from 'discord.js';
import { answerQuestion, respond } from './asking.js';
import type { BotContext } from './context.js';
import { decodeButton } from './custom-id.js';
import { rateLimitMessage } from './rate-limit.js';
import { renderContext, renderSourcesPage, renderText } from './render.js';

export const EXPIRED =
  "This answer is too old for its buttons to work (I only keep recent answers in memory). Please ask the question again.";

/**
 * Handles one button click.
 *
 * @example
 * client.on('interactionCreate', (i) => i.isButton() && handleButton(i, ctx));
 */
export async function handleButton(interaction: ButtonInteraction, ctx: BotContext): Promise<void> {
  const action = decodeButton(interaction.customId);
  const ephemeral = (text: string) =>
    interaction.reply({ ...renderText(text, { escape: false }), flags: MessageFlags.Ephemeral }).then(() => undefined);
  if (!action) {
    ctx.logger.warn({ customId: interaction.customId }, 'unknown button');
    return ephemeral("I don't recognise this button; it may come from an older version of me.");
  }
  if (action.kind === 'sources') {
    await interaction.update(renderSourcesPage(await ctx.engines.current.sources(), action.page));
    return;
  }
  const entry = ctx.answers.get(action.key);
  if (!entry) return ephemeral(EXPIRED);

  switch (action.kind) {
    case 'more': {
      const decision = ctx.limiter.take(interaction.user.id);
      if (!decision.ok) return ephemeral(rateLimitMessage(decision.retryAfterMs));
      await respond(ctx, interaction, () => answerQuestion(ctx, entry.question, action.offset));
      return;
    }
    case 'context': {
      const engine = ctx.engines.current;
      const quote = entry.quotes[action.quote];
      if (!quote) return ephemeral('That answer has no quote to show the context of.');
      if (entry.buildId !== engine.buildId) {
        return ephemeral('The article index was updated since this answer, so I cannot find its context any more. Please ask again.');
      }
      const context = await engine.context(quote.sentenceId);
      if (!context) return ephemeral('I could not find the context of that quote.');
      // The centre sentence, to show in bold: the context's middle sentence is the quoted one.
      const sentence = (await engine.context(quote.sentenceId, 0))?.text;
      await interaction.reply({ ...renderContext(context, sentence), flags: MessageFlags.Ephemeral });
      return;
    }
    case 'vote': {
      try {
        await ctx.feedback.record({
          at: new Date().toISOString(),
          vote: action.vote,
          question: entry.question,
          quotes: entry.quotes,
          abstained: entry.abstained,
          buildId: entry.buildId,
          answerKey: action.key,
          userId: interaction.user.id,
          guildId: interaction.guildId,
          channelId: interaction.channelId,
        });
      } catch (e) {
        ctx.logger.error({ err: e, file: ctx.feedback.file }, 'could not write feedback');
        return ephemeral('Sorry, I could not record your feedback right now.');
      }
      return ephemeral(action.vote === 'up' ? 'Thanks! Glad the quotes helped. 👍' : 'Thanks for telling me; the maintainers will look at this one. 👎');
    }
  }
}
