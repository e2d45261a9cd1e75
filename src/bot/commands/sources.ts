/** `/sources` — the corpus, ten articles a page, with ◀/▶ buttons (see `buttons.ts`). */
import { MessageFlags, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import type { BotContext } from '../context.js';
import { renderSourcesPage } from '../render.js';

export const data = new SlashCommandBuilder().setName('sources').setDescription('List the articles I quote from.');

/**
 * @example
 * // user: /sources → page 1 of the list (only the user sees it)
 * await execute(interaction, ctx);
 */
export async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  await interaction.reply({ ...renderSourcesPage(await ctx.engines.current.sources(), 0), flags: MessageFlags.Ephemeral });
}
