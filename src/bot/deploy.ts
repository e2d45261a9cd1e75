/**
 * Registers the slash commands through REST: to one guild when `DISCORD_GUILD_ID` is set (instant,
 * for development), globally otherwise (can take a while to appear everywhere).
 */
import { DiscordAPIError, REST, Routes } from 'discord.js';
import type { Config } from '../config.js';
import { registerSecret } from '../log.js';
import { BotStartError, restOptions } from './client.js';
import { commandDefinitions } from './commands/index.js';

export interface DeploySummary {
  applicationId: string;
  scope: 'guild' | 'global';
  guildId?: string;
  commands: string[];
}

/**
 * @example
 * const s = await deployCommands(loadConfig());
 * console.log(`${s.commands.length} commands registered (${s.scope})`);
 */
export async function deployCommands(config: Config): Promise<DeploySummary> {
  const token = config.discord.token?.replace(/^(Bot|Bearer)\s+/i, '');
  if (!token) throw new BotStartError('DISCORD_TOKEN is not set; see docs/discord.md.');
  registerSecret(token);
  const rest = new REST({ ...restOptions(config), retries: 2 }).setToken(token);
  try {
    // The application id is the bot's user id; asking Discord saves a setting when it is not configured.
    const applicationId = config.discord.applicationId ?? ((await rest.get(Routes.currentApplication())) as { id: string }).id;
    const body = commandDefinitions();
    const guildId = config.discord.guildId;
    const route = guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId);
    const saved = (await rest.put(route, { body })) as { name: string }[];
    return { applicationId, scope: guildId ? 'guild' : 'global', guildId, commands: saved.map((c) => c.name) };
  } catch (e) {
    if (e instanceof DiscordAPIError && e.status === 401) throw new BotStartError('Discord rejected DISCORD_TOKEN (401 Unauthorized); see docs/discord.md.');
    if (e instanceof DiscordAPIError && (e.status === 403 || e.status === 404)) {
      throw new BotStartError(
        `Discord refused to register the commands (${e.status}: ${e.message}). Check DISCORD_APPLICATION_ID, and that the bot was invited to DISCORD_GUILD_ID with the applications.commands scope.`,
      );
    }
    throw e;
  }
}
