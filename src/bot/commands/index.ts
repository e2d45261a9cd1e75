/** Every slash command, by name. Adding a command = a module here + `npm run deploy-commands`. */
import * as ask from './ask.js';
import * as help from './help.js';
import * as reload from './reload.js';
import * as source from './source.js';
import * as sources from './sources.js';
import type { Command } from './types.js';

export type { Command } from './types.js';

export const commands: Command[] = [ask, source, sources, help, reload];

export const commandsByName = new Map(commands.map((c) => [c.data.name, c]));

/**
 * The JSON bodies `deploy-commands` PUTs to Discord.
 *
 * @example
 * await rest.put(Routes.applicationCommands(appId), { body: commandDefinitions() });
 */
export function commandDefinitions() {
  return commands.map((c) => c.data.toJSON());
}
