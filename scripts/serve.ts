/**
 * `npm run serve`: the answer service and its web page (src/serve/). Listens on HTTP_HOST:HTTP_PORT
 * (127.0.0.1:8080 by default) at once, builds the index from the corpus first when there is none
 * (local store), then loads it (either store, as the bot does); /readyz says 503 until then. Ctrl-C stops it.
 */
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig } from '../src/config.js';
import { createLogger, redact } from '../src/log.js';
import { ensureIndex } from '../src/cli/ensure-index.js';
import { startService } from '../src/serve/server.js';

const program = new Command()
  .name('serve')
  .description('Run the Verbatim answer service (HTTP API + web page).')
  .option('--host <host>', 'address to listen on (overrides HTTP_HOST)')
  .option('--port <port>', 'port (overrides HTTP_PORT; 0: any free port)', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('--port takes a whole number from 0 to 65535.');
    return n;
  })
  .option('--corpus <dir>', 'corpus folder (overrides CORPUS_DIR)')
  .option('--index <dir>', 'index folder (overrides INDEX_DIR)')
  .parse();
const opts = program.opts<{ host?: string; port?: number; corpus?: string; index?: string }>();

let config;
try {
  config = loadConfig();
} catch (e) {
  if (e instanceof ConfigError) {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
  throw e;
}
if (opts.host) config.http.host = opts.host;
if (opts.port !== undefined) config.http.port = opts.port;
if (opts.corpus) config.corpusDir = opts.corpus;
if (opts.index) config.indexDir = opts.index;
const logger = createLogger(config.logLevel);

try {
  // A local index is built on first use, like ask and start; an Elasticsearch store is built by build-index.
  const beforeLoad = config.vectorStore === 'local' ? () => ensureIndex(config, (line) => logger.info(line)) : undefined;
  const service = await startService({ config, logger, beforeLoad });
  process.stderr.write(`Verbatim answer service on ${service.url}/ (API: ${service.url}/openapi.json)\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    void service.stop().finally(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  await service.ready.catch((e: Error) => {
    // Keep serving /healthz and /readyz (503 with the reason): an operator sees why; the index watcher is off.
    process.stderr.write(redact(`Could not load the index: ${e.message}\n`));
  });
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  const why = err.code === 'EADDRINUSE' ? `port ${config.http.port} on ${config.http.host} is already in use (set HTTP_PORT or --port)` : err.message;
  process.stderr.write(redact(`Could not start the answer service: ${why}\n`));
  process.exit(1);
}
