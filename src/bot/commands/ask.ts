/** `/ask question:` — the slash-command way to ask; same answer as a mention. */
import { MessageFlags, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import { answerQuestion, EMPTY_QUESTION, respond } from '../asking.js';
import type { BotContext } from '../context.js';
import { rateLimitMessage } from '../rate-limit.js';
import { renderText } from '../render.js';

export const data = new SlashCommandBuilder()
  .setName('ask')
  .setDescription('Ask a question; I answer with exact quotes from the news articles, with their sources.')
  .addStringOption((o) => o.setName('question').setDescription('Your question').setRequired(true).setMaxLength(1000));

/**
 * @example
 * // user: /ask question: How many air missions has the coalition flown?
 * await execute(interaction, ctx); // deferred if slow, then the quotes
 */
export async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  const question = (interaction.options.getString('question') ?? '').replace(/\s+/g, ' ').trim();
  if (!question) {
    await interaction.reply({ ...renderText(EMPTY_QUESTION, { escape: false }), flags: MessageFlags.Ephemeral });
    return;
  }
  const decision = ctx.limiter.take(interaction.user.id);
  if (!decision.ok) {
    await interaction.reply({ ...renderText(rateLimitMessage(decision.retryAfterMs), { escape: false }), flags: MessageFlags.Ephemeral });
    return;
  }
  await respond(ctx, interaction, () => answerQuestion(ctx, question));
}
