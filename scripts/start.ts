/**
 * `npm start` — runs the Discord bot.
 *
 *   npm start                      one process, every shard Discord needs for a small bot (one)
 *   npm start -- --shards 2        two shard processes under discord.js's ShardingManager
 *   npm start -- --shards auto     as many shard processes as Discord recommends
 *   DISCORD_SHARDS=2 npm start     same as --shards 2 (the flag wins)
 *
 * Before connecting: checks the token (a bad one fails in a second, exit 1) and builds the index from
 * the corpus if there is none. Each shard process loads the index and the model itself, in a child
 * process of its own (src/answer/engine-process.ts: answering never blocks the loop that talks to
 * Discord), unless ANSWER_SERVICE_URL is set (thin mode): then every shard asks the answer service.
 */
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { REST, Routes, ShardingManager } from 'discord.js';
import type { Logger } from 'pino';
import { ConfigError, loadConfig, type Config } from '../src/config.js';
import { createLogger, redact } from '../src/log.js';
import { BotStartError, restOptions, startBot, verifyToken, type RunningBot } from '../src/bot/client.js';
import { processEngineLoader } from '../src/answer/engine-process.js';
import { remoteEngineLoader } from '../src/bot/remote-engine.js';
import { indexBuildInput, indexBuildReason } from '../src/cli/ensure-index.js';

const program = new Command()
  .name('start')
  .description('Run the Verbatim Discord bot')
  .option('--shards <count>', 'run N shard processes ("auto": as many as Discord recommends)')
  .option('--shard-child', 'internal: this process is one shard spawned by the ShardingManager')
  .parse();
const opts = program.opts<{ shards?: string; shardChild?: boolean }>();

function fail(message: string): never {
  process.stderr.write(`${redact(message)}\n`);
  process.exit(1);
}

function parseShards(value: string | undefined, config: Config): number | 'auto' | undefined {
  if (value === undefined) return config.discord.shards;
  if (value.toLowerCase() === 'auto') return 'auto';
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail(`--shards expects "auto" or a whole number ≥ 1, got "${value}".`);
  return n;
}

/** Discord's recommended shard count and how many shards may identify at once (per 5 s). */
async function gatewayInfo(config: Config, token: string): Promise<{ shards: number; maxConcurrency: number }> {
  const gateway = (await new REST(restOptions(config)).setToken(token).get(Routes.gatewayBot())) as {
    shards: number;
    session_start_limit: { max_concurrency: number };
  };
  return { shards: Math.max(1, gateway.shards), maxConcurrency: Math.max(1, gateway.session_start_limit?.max_concurrency ?? 1) };
}

/**
 * Thin mode (ANSWER_SERVICE_URL set): a client of the answer service; otherwise the index, loaded in a
 * child process of the bot's so that the model never holds up the loop that talks to Discord.
 */
function engineLoaderFor(config: Config) {
  return config.answerService.url ? remoteEngineLoader(config) : processEngineLoader(config);
}

async function ensureIndex(config: Config, logger: Logger): Promise<void> {
  const reason = indexBuildReason(config.indexDir, config);
  if (!reason) return;
  logger.info(
    { corpus: config.corpusDir, index: config.indexDir },
    reason === 'missing' ? 'no index yet: building it from the corpus before connecting' : 'older index format: upgrading it (vectors reused) before connecting',
  );
  const { buildIndex } = await import('../src/index/build.js');
  const s = await buildIndex(config, indexBuildInput(config, reason));
  logger.info({ build: s.buildId, articles: s.articles, passages: s.passages, seconds: Math.round(s.seconds) }, 'index built');
}

function runUntilSignal(stop: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    void stop()
      .catch((e) => logger.error({ err: e }, 'error while shutting down'))
      .finally(() => process.exit(0));
  };
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.once('SIGTERM', () => onSignal('SIGTERM'));
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    throw e;
  }
  const logger = createLogger(config.logLevel);
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection (kept running)'));
  process.on('uncaughtException', (e) => {
    logger.fatal({ err: e }, 'uncaught exception; exiting');
    process.exit(1);
  });

  try {
    if (opts.shardChild) {
      // Spawned by the ShardingManager: discord.js reads SHARDS / SHARD_COUNT from the environment.
      const bot = await startBot({ config, engineLoader: engineLoaderFor(config), logger });
      runUntilSignal(() => bot.stop(), logger);
      return;
    }

    const me = await verifyToken(config);
    logger.info({ bot: me.username }, 'token accepted');
    // Thin mode: the answer service holds the index; this process never loads it or the model.
    if (config.answerService.url) logger.info({ service: config.answerService.url }, 'thin mode: answers come from the answer service');
    else if (config.vectorStore === 'local') await ensureIndex(config, logger);

    const shards = parseShards(opts.shards, config);
    if (shards !== undefined) {
      const token = config.discord.token!.replace(/^(Bot|Bearer)\s+/i, '');
      const gateway = await gatewayInfo(config, token);
      const totalShards = shards === 'auto' ? gateway.shards : shards;
      const manager = new ShardingManager(fileURLToPath(import.meta.url), {
        totalShards,
        token,
        mode: 'process',
        respawn: true,
        shardArgs: ['--shard-child'],
        // The children are TypeScript too: reuse this process's loader flags (tsx).
        execArgv: process.execArgv,
      });
      manager.on('shardCreate', (shard) => {
        logger.info({ shard: shard.id, of: totalShards }, 'shard process started');
        shard.on('death', (p) => logger.warn({ shard: shard.id, exitCode: 'exitCode' in p ? p.exitCode : undefined }, 'shard process died (respawning)'));
        shard.on('error', (e) => logger.error({ err: e, shard: shard.id }, 'shard process error'));
      });
      // Discord lets max_concurrency shards identify per 5 s: space the processes accordingly.
      await manager.spawn({ timeout: 180_000, delay: Math.ceil(5500 / gateway.maxConcurrency) });
      logger.info({ shards: totalShards }, 'all shards ready');
      runUntilSignal(async () => {
        for (const shard of manager.shards.values()) shard.kill();
      }, logger);
      return;
    }

    const bot: RunningBot = await startBot({ config, engineLoader: engineLoaderFor(config), logger });
    runUntilSignal(() => bot.stop(), logger);
  } catch (e) {
    if (e instanceof BotStartError || (e as Error)?.name === 'IndexError') fail((e as Error).message);
    logger.fatal({ err: e }, 'could not start');
    fail(`Could not start: ${(e as Error)?.message ?? String(e)}`);
  }
}

await main();
