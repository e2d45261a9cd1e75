/**
 * `npm run deploy-commands`: registers /ask, /source, /sources, /help and /reload — to DISCORD_GUILD_ID
 * when set (instant), else globally.
 */
import { loadConfig } from '../src/config.js';
import { redact } from '../src/log.js';
import { deployCommands } from '../src/bot/deploy.js';

try {
  const s = await deployCommands(loadConfig());
  const where = s.scope === 'guild' ? `to guild ${s.guildId}` : 'globally (may take up to an hour to show everywhere)';
  process.stdout.write(`Registered ${s.commands.length} commands ${where}: /${s.commands.join(', /')}\n`);
} catch (e) {
  process.stderr.write(redact(`deploy-commands failed: ${(e as Error).message}`) + '\n');
  process.exitCode = 1;
}
