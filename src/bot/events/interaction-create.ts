/** `interactionCreate`: slash commands, autocomplete and buttons, each isolated so one failure never spreads. */
import { Events, MessageFlags, type Interaction } from 'discord.js';
import { handleButton } from '../buttons.js';
import { commandsByName } from '../commands/index.js';
import type { BotContext } from '../context.js';
import { renderText } from '../render.js';
import { EngineUnavailableError, UNAVAILABLE } from '../remote-engine.js';

export const name = Events.InteractionCreate;

/**
 * @example
 * client.on(Events.InteractionCreate, (i) => void execute(i, ctx));
 */
export async function execute(interaction: Interaction, ctx: BotContext): Promise<void> {
  try {
    if (interaction.isChatInputCommand()) {
      const command = commandsByName.get(interaction.commandName);
      if (!command) {
        ctx.logger.warn({ command: interaction.commandName }, 'unknown command (run npm run deploy-commands?)');
        await interaction.reply({ ...renderText('I no longer know this command.', { escape: false }), flags: MessageFlags.Ephemeral });
        return;
      }
      await command.execute(interaction, ctx);
    } else if (interaction.isAutocomplete()) {
      const command = commandsByName.get(interaction.commandName);
      if (command?.autocomplete) await command.autocomplete(interaction, ctx);
      else await interaction.respond([]);
    } else if (interaction.isButton()) {
      await handleButton(interaction, ctx);
    }
  } catch (e) {
    ctx.logger.error({ err: e, interaction: interaction.id, type: interaction.type }, 'interaction handler failed');
    if (!interaction.isRepliable()) return;
    // IndexUnavailableError: the Elasticsearch cluster is down ("Show context", sources); its message says so.
    const indexDown = (e as Error | undefined)?.name === 'IndexUnavailableError';
    const why = e instanceof EngineUnavailableError ? UNAVAILABLE : indexDown ? (e as Error).message : 'Sorry, something went wrong. Please try again.';
    const sorry = { ...renderText(why, { escape: false }), flags: MessageFlags.Ephemeral as const };
    try {
      if (interaction.deferred || interaction.replied) await interaction.followUp(sorry);
      else await interaction.reply(sorry);
    } catch (e2) {
      ctx.logger.warn({ err: e2 }, 'could not tell the user about the failure');
    }
  }
}
