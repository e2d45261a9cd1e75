/** `/help` — what the bot does, and that it only quotes its sources. */
import { MessageFlags, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import type { BotContext } from '../context.js';
import { renderHelp } from '../render.js';

export const data = new SlashCommandBuilder().setName('help').setDescription('What I do and how to ask me.');

/**
 * @example
 * // user: /help
 * await execute(interaction, ctx);
 */
export async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  await interaction.reply({ ...renderHelp(ctx.config.discord), flags: MessageFlags.Ephemeral });
}
