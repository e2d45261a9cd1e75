/**
 * `npm run es`: a local 2-node Elasticsearch cluster for development. Fetches the distribution once
 * (Maven Central, into ~/.m2), runs the nodes unprivileged, waits for the cluster, prints the `.env`
 * lines, and stops the nodes cleanly on Ctrl-C. Data is kept in `--data` (default `.cache/elasticsearch`).
 * `--prepare` only fetches and unpacks the distribution (CI does it before the tests). `--secure` starts it
 * secured as production is (HTTPS with its own CA, a superuser) and prints the user, password and CA file too.
 */
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { startLocalCluster, type LocalCluster } from '../src/devcluster/cluster.js';
import { ES_VERSION, EsPrerequisiteError, defaultCacheRoot, ensureDistribution, ensureRunAs, resolveJavaHome } from '../src/devcluster/distribution.js';

const whole = (min: number, max: number, what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${what} takes a whole number from ${min} to ${max}.`);
  return n;
};

const opts = new Command()
  .name('es')
  .description(`Run a local Elasticsearch ${ES_VERSION} cluster on 127.0.0.1 for VECTOR_STORE=elasticsearch.`)
  .option('--data <dir>', 'folder for the nodes\' data, logs and config (kept between runs)', '.cache/elasticsearch')
  .option('--fresh', 'start with empty data (wipes the nodes\' folders in --data)')
  .option('--port <n>', 'HTTP port of node 0 (node i uses port + i, transport port + 100 + i); busy ports are replaced', whole(1024, 65000, '--port'), 9200)
  .option('--nodes <n>', 'number of nodes', whole(1, 9, '--nodes'), 2)
  .option('--heap <mb>', 'heap of each node in MB', whole(256, 16384, '--heap'), 512)
  .option('--secure', 'security on: HTTPS with a CA of its own and a superuser (certificates and password kept in --data)')
  .option('--prepare', 'only check Java and fetch/unpack the distribution, then exit')
  .parse()
  .opts<{ data: string; fresh?: boolean; port: number; nodes: number; heap: number; secure?: boolean; prepare?: boolean }>();

const say = (line: string) => process.stderr.write(`${line}\n`);

try {
  if (opts.prepare) {
    const started = Date.now();
    const javaHome = await resolveJavaHome();
    const who = await ensureRunAs();
    const home = await ensureDistribution();
    say(`Elasticsearch ${ES_VERSION} is ready in ${home} (Java ${javaHome}, runs as ${who.name}; ${((Date.now() - started) / 1000).toFixed(1)} s).`);
    process.exit(0);
  }

  // Installed before the start: Ctrl-C while the nodes boot exits, and the exit handler kills them.
  const running: { cluster?: LocalCluster } = {};
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`\n${signal}: stopping the nodes…`);
    await running.cluster?.stop();
    say('Stopped.');
    process.exit(running.cluster ? 0 : 130);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  const started = Date.now();
  const cluster = await startLocalCluster({
    nodes: opts.nodes,
    basePort: opts.port,
    dataDir: path.resolve(opts.data),
    fresh: opts.fresh,
    heapMb: opts.heap,
    clusterName: 'verbatim-dev',
    log: say,
    ...(opts.secure ? { security: true } : {}),
  });
  running.cluster = cluster;
  const mb = cluster.memory().map((m) => `node-${m.node} ${Math.round(m.rssBytes / 2 ** 20)} MB`).join(', ');
  say(`Elasticsearch ${ES_VERSION}: ${opts.nodes} node(s) up in ${((Date.now() - started) / 1000).toFixed(1)} s (RSS ${mb}); data in ${cluster.dataDir}, distribution in ${defaultCacheRoot()}.`);
  const envLines = Object.entries({ VECTOR_STORE: 'elasticsearch', ...cluster.env }).map(([k, v]) => `  ${k}=${v}\n`).join('');
  process.stdout.write(`\n${cluster.url}\n\nPut these lines in .env (or export them):\n${envLines}\nCtrl-C stops the cluster (the data stays in ${cluster.dataDir}).\n`);

  // A node that dies on its own is reported (the others keep running, as in production).
  const watch = setInterval(() => {
    for (let i = 0; i < opts.nodes; i++) {
      if (!cluster.isRunning(i) && !stopping) {
        say(`node-${i} has stopped; see ${path.join(path.resolve(opts.data), `node-${i}`, 'logs', 'console.log')}. Ctrl-C stops the rest.`);
        clearInterval(watch);
      }
    }
  }, 2000);
} catch (e) {
  // Missing Java, Maven or a start failure: one clear message (with the node's log lines), no stack.
  say(e instanceof Error && (e instanceof EsPrerequisiteError || e.name === 'EsStartError' || e.message.startsWith('The Elasticsearch')) ? e.message : String((e as Error)?.stack ?? e));
  process.exit(1);
}
