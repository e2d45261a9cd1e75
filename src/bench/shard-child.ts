/**
 * Child process of the thin-shard measurement: what one bot shard process holds, thin or full. It
 * loads discord.js and the bot's modules and builds the gateway client (not logged in: no Discord
 * here), loads its engine the way `npm start` does (BENCH_SHARD_MODE=thin: the answer service at
 * ANSWER_SERVICE_URL; full: the index in INDEX_DIR and the model, in the engine's own child process),
 * answers the questions of BENCH_SHARD_QUESTIONS (a JSON array) and prints one JSON line with its
 * resident memory (full: its own plus its engine process's).
 * Run as `node --import tsx src/bench/shard-child.ts`.
 */
const { loadConfig } = await import('../config.js');
const { Client } = await import('discord.js');
const { clientOptions } = await import('../bot/client.js');
const config = loadConfig();
const client = new Client(clientOptions(config));
const thin = process.env.BENCH_SHARD_MODE === 'thin';
const { readFileSync } = await import('node:fs');
const loader = thin
  ? (await import('../bot/remote-engine.js')).remoteEngineLoader(config)
  : (await import('../answer/engine-process.js')).processEngineLoader(config);
const engine = await loader.load();
const questions = JSON.parse(process.env.BENCH_SHARD_QUESTIONS ?? '[]') as string[];
let abstained = 0;
for (const q of questions) if ((await engine.answer(q)).abstained) abstained++;
const sources = (await engine.sources()).length;
const memory = process.memoryUsage();
// The engine's process (full mode): its resident set from /proc, in MB.
const enginePid = 'pid' in loader ? loader.pid : undefined;
const engineRssMb = enginePid ? Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${enginePid}/status`, 'utf8'))?.[1] ?? 0) / 1024 : 0;
await client.destroy();
await loader.close?.();
process.stdout.write(
  JSON.stringify({
    mode: thin ? 'thin' : 'full',
    buildId: engine.buildId,
    answered: questions.length,
    abstained,
    sources,
    rssMb: memory.rss / 2 ** 20 + engineRssMb,
    engineRssMb,
    heapUsedMb: memory.heapUsed / 2 ** 20,
  }) + '\n',
);
process.exit(0);
