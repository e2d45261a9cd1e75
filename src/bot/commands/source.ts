/** `/source id:` — one article: metadata, first paragraph, passage count; autocomplete on titles. */
import { MessageFlags, SlashCommandBuilder, type AutocompleteInteraction, type ChatInputCommandInteraction } from 'discord.js';
import type { BotContext } from '../context.js';
import { renderSource, renderText, truncate } from '../render.js';
import { rankSources } from '../../answer/source-search.js';

export const data = new SlashCommandBuilder()
  .setName('source')
  .setDescription('Show one article of the corpus: its source, first paragraph and how many passages it has.')
  .addStringOption((o) => o.setName('id').setDescription('Start typing the article title').setRequired(true).setAutocomplete(true).setMaxLength(100));

/**
 * @example
 * // user: /source id: 002_d173e7abc9e413bc
 * await execute(interaction, ctx);
 */
export async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  const query = interaction.options.getString('id', true).trim();
  const engine = ctx.engines.current;
  const sources = await engine.sources();
  const source =
    (await engine.source(query)) ??
    sources.find((s) => s.title.toLowerCase() === query.toLowerCase()) ??
    rankSources(sources, query, 1).find((r) => r.score >= 70)?.source;
  if (!source) {
    await interaction.reply({
      ...renderText(`I have no article matching "${truncate(query, 100)}". Start typing a title and pick one of the suggestions, or see /sources.`),
      flags: MessageFlags.Ephemeral,
    });
    return;
  }
  await interaction.reply(renderSource(source));
}

/**
 * Up to 25 suggestions: name = title · publisher (≤ 100 chars), value = source id.
 *
 * @example
 * // user types "iran" → [{ name: "Iran strikes against ISIL 'positive', says John Kerry", value: '002_d173e7abc9e413bc' }]
 */
export async function autocomplete(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void> {
  const typed = String(interaction.options.getFocused());
  const choices = rankSources(await ctx.engines.current.sources(), typed, 25)
    .filter((r) => r.source.id.length <= 100)
    .map(({ source }) => ({
      name: truncate(`${source.title || source.file}${source.publisher ? ` · ${source.publisher}` : ''}`, 100),
      value: source.id,
    }));
  await interaction.respond(choices);
}
