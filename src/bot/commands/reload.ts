/**
 * `/reload` — admins only (Manage Server): load the index from disk again without a restart. A
 * failed load keeps the current index serving, and says so.
 */
import { InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import { respond } from '../asking.js';
import type { BotContext } from '../context.js';
import { renderText, truncate } from '../render.js';

export const data = new SlashCommandBuilder()
  .setName('reload')
  .setDescription('Reload the article index from disk (after npm run build-index). Manage Server only.')
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
  .setContexts(InteractionContextType.Guild);

/**
 * @example
 * // admin: /reload → "Reloaded the index: build A → build B."
 * await execute(interaction, ctx);
 */
export async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  // default_member_permissions can be overridden per server, so check again here.
  if (!interaction.inGuild() || !interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) {
    ctx.logger.warn({ user: interaction.user.id, guild: interaction.guildId }, '/reload refused: no Manage Server permission');
    await interaction.reply({
      ...renderText('Only members with the **Manage Server** permission can reload the index.', { escape: false }),
      flags: MessageFlags.Ephemeral,
    });
    return;
  }
  await respond(
    ctx,
    interaction,
    async () => {
      const r = await ctx.engines.reload();
      if (r.ok) {
        const what = r.changed ? `build \`${r.previous}\` → \`${r.current}\`` : `build \`${r.current}\` (unchanged)`;
        return [renderText(`Reloaded the index: ${what}, ${(await ctx.engines.current.sources()).length} articles.`, { escape: false })];
      }
      const reason = truncate(r.error.message.replace(/`/g, "'"), 1500);
      return [renderText(`Could not load the new index, so I'm still serving build \`${r.current}\`.\n> ${reason}`, { escape: false })];
    },
    { ephemeral: true },
  );
}
