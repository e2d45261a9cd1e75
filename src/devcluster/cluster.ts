/**
 * A local Elasticsearch cluster of real nodes on 127.0.0.1, for development (`npm run es`) and for the
 * test suite: each node is its own pair of processes (Elasticsearch's small CLI JVM and the server JVM
 * it starts), with its own HTTP and transport port, data, logs and config folder.
 *
 * Roles: node 0 is the only master-eligible node (and holds data); the others hold data only. A
 * 2-node cluster cannot keep a master after losing either of two master-eligible nodes, so this makes
 * "kill node 1" the node-loss test that works: the cluster turns yellow and keeps answering from the
 * replicas. Killing node 0 leaves no master: searches still run on node 1 (no_master_block=write),
 * but cluster health and writes wait until node 0 is back.
 *
 * No orphans: nodes are stopped on `stop()`, killed on process exit, and started under
 * `setpriv --pdeathsig KILL`, so even a killed parent takes its nodes down with it.
 *
 * Security is off by default (plain HTTP on loopback). With `security: true` the cluster is secured
 * as a production one is: HTTPS on the HTTP layer and TLS between nodes, with a CA and a node
 * certificate made by the distribution's own `elasticsearch-certutil`, and a superuser in the file
 * realm (`elasticsearch-users`); the returned cluster says what a client needs (`caFile`, `username`,
 * `password`, `https://` URLs).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  assertReachable,
  ensureDistribution,
  ensureRunAs,
  isRoot,
  resolveJavaHome,
  type RunAs,
} from './distribution.js';

/** What `startLocalCluster` takes; every field has a default. */
export interface LocalClusterOptions {
  /** Number of nodes (default 2). */
  nodes?: number;
  /** Preferred HTTP port of node 0 (node i: basePort + i, transport basePort + 100 + i); busy ports are replaced by free ones. Default: any free ports. */
  basePort?: number;
  /** Folder for the nodes' data, logs and config, kept across runs. Default: a temporary folder removed by `stop()`. */
  dataDir?: string;
  /** Start with empty data (removes `dataDir`'s node folders first). */
  fresh?: boolean;
  /** Heap of each node in MB (default 512). */
  heapMb?: number;
  /** More JVM options for every node (appended to `ES_JAVA_OPTS`). */
  javaOpts?: string[];
  /** Cluster name (default `verbatim-<pid>`), so two clusters on one machine never join each other. */
  clusterName?: string;
  /** Where the distribution is unpacked (default `defaultCacheRoot()`). */
  cacheDir?: string;
  /** How long a node may take to answer HTTP and the cluster to form (default 240 s: a busy 2-core machine). */
  startTimeoutMs?: number;
  /** Progress lines (fetching, unpacking, starting node-1 …); default silent. */
  log?: (line: string) => void;
  /**
   * Secured like a production cluster: HTTPS and transport TLS with a CA of its own, and a superuser
   * (default name `verbatim`, default password random; with a kept `dataDir` the certificates and the
   * password are kept too, in `<dataDir>/certs`). Default off: plain HTTP, no users.
   */
  security?: boolean | { username?: string; password?: string };
}

/** What a client needs to reach a secured cluster's HTTP layer: the CA that signed its certificate, and a user. */
export interface ClusterAccess {
  /** PEM of the CA (the contents of `LocalCluster.caFile`). */
  ca: string | Buffer;
  username: string;
  password: string;
}

/** The `_cluster/health` answer, the fields we read. */
export interface ClusterHealth {
  cluster_name: string;
  status: 'green' | 'yellow' | 'red';
  timed_out: boolean;
  number_of_nodes: number;
  number_of_data_nodes: number;
  active_shards: number;
  unassigned_shards: number;
}

/** A running local cluster. */
export interface LocalCluster {
  /** Every node's URL, comma-separated: the value for `ELASTICSEARCH_URL`. */
  readonly url: string;
  /** One URL per node, `http://127.0.0.1:<port>` (`https://` when secured), index = node number. */
  readonly nodeUrls: string[];
  /** True when started with `security`. */
  readonly secured: boolean;
  /** Secured only: the PEM file of the CA that signed the nodes' certificate (the value for `ELASTICSEARCH_CA_FILE`). */
  readonly caFile?: string;
  /** Secured only: the superuser's name (`ELASTICSEARCH_USERNAME`). */
  readonly username?: string;
  /** Secured only: the superuser's password (`ELASTICSEARCH_PASSWORD`). */
  readonly password?: string;
  /** The product's settings for this cluster: `ELASTICSEARCH_URL`, and when secured the user, password and CA file. */
  readonly env: Record<string, string>;
  /** The cluster name (`cluster_name` in health answers). */
  readonly clusterName: string;
  /** The folder with `node-<i>/{data,logs,config}`. */
  readonly dataDir: string;
  /** Kills node i: SIGKILL (default) is a crash, SIGTERM a clean shutdown. Resolves when its processes are gone. */
  killNode(i: number, signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Starts node i again (same ports and data); resolves when it answers HTTP. */
  startNode(i: number): Promise<void>;
  /** True while node i's processes run. */
  isRunning(i: number): boolean;
  /** Waits until every running node has joined and the status is at least `status`; rejects after `timeoutMs`. */
  waitForStatus(status: 'green' | 'yellow', timeoutMs?: number): Promise<ClusterHealth>;
  /** Resident memory of each node's processes (CLI + server JVM), from /proc. */
  memory(): { node: number; pids: number[]; rssBytes: number }[];
  /** Stops every node (cleanly when the data is kept) and removes a temporary data folder. */
  stop(): Promise<void>;
}

/** A node that did not start: the message ends with the last lines of its log. */
export class EsStartError extends Error {
  override name = 'EsStartError';
}

interface NodeState {
  index: number;
  name: string;
  httpPort: number;
  transportPort: number;
  dir: string;
  child?: ChildProcess;
  exited?: Promise<void>;
}

/**
 * Starts a local Elasticsearch cluster and waits until every node has joined (status yellow or green).
 * Fetches and unpacks the distribution on first use; as root runs the nodes as the user `verbatim-es`.
 *
 * @example
 * const cluster = await startLocalCluster({ nodes: 2 });
 * process.env.ELASTICSEARCH_URL = cluster.url; // 'http://127.0.0.1:41233,http://127.0.0.1:41234'
 * await cluster.killNode(1);
 * await cluster.waitForStatus('yellow');
 * await cluster.stop();
 *
 * const secured = await startLocalCluster({ nodes: 1, security: true });
 * secured.env; // { ELASTICSEARCH_URL: 'https://127.0.0.1:41235', ELASTICSEARCH_USERNAME: 'verbatim', ELASTICSEARCH_PASSWORD: '…', ELASTICSEARCH_CA_FILE: '/tmp/verbatim-es-…/certs/ca/ca.crt' }
 */
export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const count = options.nodes ?? 2;
  if (!Number.isInteger(count) || count < 1 || count > 9) throw new RangeError(`nodes must be a whole number from 1 to 9 (got ${count}).`);
  const heapMb = options.heapMb ?? 512;
  const log = options.log ?? (() => {});
  const startTimeoutMs = options.startTimeoutMs ?? 240_000;
  const clusterName = options.clusterName ?? `verbatim-${process.pid}`;

  const javaHome = await resolveJavaHome();
  const who = await ensureRunAs();
  log(`Elasticsearch distribution: checking the cache (${options.cacheDir ?? 'default'})…`);
  const esHome = await ensureDistribution(options.cacheDir);

  const temporary = !options.dataDir;
  const dataDir = path.resolve(options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'verbatim-es-')));
  assertReachable(dataDir, who);
  fs.mkdirSync(dataDir, { recursive: true });
  fs.chmodSync(dataDir, 0o755);
  // One cluster per data folder: a second `npm run es` says where the first one is instead of failing on node locks.
  const marker = path.join(dataDir, 'running.json');
  claimDataDir(marker);

  const taken = new Set<number>();
  const nodes: NodeState[] = [];
  for (let i = 0; i < count; i++) {
    const httpPort = await pickPort(options.basePort === undefined ? undefined : options.basePort + i, taken, log, `node-${i} HTTP`);
    const transportPort = await pickPort(options.basePort === undefined ? undefined : options.basePort + 100 + i, taken, log, `node-${i} transport`);
    const dir = path.join(dataDir, `node-${i}`);
    if (options.fresh) fs.rmSync(dir, { recursive: true, force: true });
    nodes.push({ index: i, name: `node-${i}`, httpPort, transportPort, dir });
  }
  const scheme = options.security ? 'https' : 'http';
  const nodeUrls = nodes.map((n) => `${scheme}://127.0.0.1:${n.httpPort}`);
  fs.writeFileSync(marker, JSON.stringify({ pid: process.pid, url: nodeUrls.join(',') }));
  const seedHosts = nodes.map((n) => `127.0.0.1:${n.transportPort}`).join(',');

  const killAll = (): void => {
    for (const n of nodes) if (n.child?.pid && n.child.exitCode === null && n.child.signalCode === null) killGroup(n.child.pid, 'SIGKILL');
    if (temporary) removeQuietly(dataDir);
    else fs.rmSync(marker, { force: true });
  };
  process.on('exit', killAll);

  let security: Security | undefined;
  if (options.security) {
    try {
      security = await prepareSecurity(dataDir, esHome, javaHome, who, options.security === true ? {} : options.security, log);
    } catch (e) {
      killAll();
      process.off('exit', killAll);
      throw e;
    }
  }
  const access: ClusterAccess | undefined = security && { ca: security.ca, username: security.username, password: security.password };

  const launch = async (n: NodeState): Promise<void> => {
    if (n.child && n.child.exitCode === null && n.child.signalCode === null) return;
    const fresh = prepareNodeDir(n.dir, esHome, who);
    if (security) await secureNodeConfig(n, security, esHome, javaHome, who, log);
    const settings: Record<string, string> = {
      'cluster.name': clusterName,
      'node.name': n.name,
      'node.roles': n.index === 0 ? '[master,data,ingest]' : '[data,ingest]',
      'network.host': '127.0.0.1',
      'http.port': String(n.httpPort),
      'transport.port': String(n.transportPort),
      'discovery.seed_hosts': seedHosts,
      'path.data': path.join(n.dir, 'data'),
      'path.logs': path.join(n.dir, 'logs'),
      // A local cluster: no TLS or users (a production cluster is secured; see docs/elasticsearch.md).
      'xpack.security.enabled': 'false',
      'xpack.ml.enabled': 'false',
      'xpack.watcher.enabled': 'false',
      // Small or full developer disks must not make shards unassignable.
      'cluster.routing.allocation.disk.threshold_enabled': 'false',
    };
    if (security) {
      settings['xpack.security.enabled'] = 'true';
      // Paths are relative to the node's config folder (Elasticsearch reads key material only from there).
      for (const layer of ['http', 'transport']) {
        settings[`xpack.security.${layer}.ssl.enabled`] = 'true';
        settings[`xpack.security.${layer}.ssl.key`] = 'certs/node.key';
        settings[`xpack.security.${layer}.ssl.certificate`] = 'certs/node.crt';
        settings[`xpack.security.${layer}.ssl.certificate_authorities`] = 'certs/ca.crt';
      }
      // Every node has the same certificate (127.0.0.1, localhost): trust the CA, not the host name.
      settings['xpack.security.transport.ssl.verification_mode'] = 'certificate';
    }
    // Only when the cluster is first formed; a restarted node finds its cluster in its data.
    if (n.index === 0 && fresh) settings['cluster.initial_master_nodes'] = 'node-0';
    const esArgs = ['-p', path.join(n.dir, 'es.pid'), ...Object.entries(settings).map(([k, v]) => `-E${k}=${v}`)];
    const esBin = path.join(esHome, 'bin', 'elasticsearch');
    const setpriv = hasSetpriv();
    const [command, args] = setpriv
      ? ['setpriv', ['--pdeathsig', 'KILL', ...(isRoot() ? ['--reuid', String(who.uid), '--regid', String(who.gid), '--clear-groups'] : []), '--', esBin, ...esArgs]]
      : [esBin, esArgs];
    const out = fs.openSync(consoleLog(n), 'a');
    log(`starting ${n.name} on ${nodeUrls[n.index]} (transport ${n.transportPort})…`);
    const child = spawn(command, args, {
      cwd: n.dir,
      // A clean environment: the nodes run as another user and need none of our secrets.
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        LANG: 'C.UTF-8',
        HOME: n.dir,
        ES_JAVA_HOME: javaHome,
        ES_PATH_CONF: path.join(n.dir, 'config'),
        ES_TMPDIR: path.join(n.dir, 'tmp'),
        ES_JAVA_OPTS: [`-Xms${heapMb}m`, `-Xmx${heapMb}m`, ...(options.javaOpts ?? [])].join(' '),
      },
      stdio: ['ignore', out, out],
      detached: true, // its own process group: CLI and server JVM are killed together
      ...(!setpriv && isRoot() ? { uid: who.uid, gid: who.gid } : {}),
    });
    fs.closeSync(out);
    n.child = child;
    n.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('error', () => {}); // reported through 'exit' and the log
    await waitForHttp(n, nodeUrls[n.index]!, startTimeoutMs, access);
  };

  const cluster: LocalCluster = {
    url: nodeUrls.join(','),
    nodeUrls,
    secured: !!security,
    ...(security && { caFile: security.caFile, username: security.username, password: security.password }),
    env: {
      ELASTICSEARCH_URL: nodeUrls.join(','),
      ...(security && { ELASTICSEARCH_USERNAME: security.username, ELASTICSEARCH_PASSWORD: security.password, ELASTICSEARCH_CA_FILE: security.caFile }),
    },
    clusterName,
    dataDir,
    isRunning: (i) => {
      const c = node(i).child;
      return !!c && c.exitCode === null && c.signalCode === null;
    },
    async killNode(i, signal = 'SIGKILL') {
      await stopNode(node(i), signal);
    },
    async startNode(i) {
      await launch(node(i));
    },
    waitForStatus(status, timeoutMs = startTimeoutMs) {
      const running = nodes.filter((n) => cluster.isRunning(n.index));
      return waitForHealth(running.map((n) => nodeUrls[n.index]!), { status, nodes: running.length, timeoutMs, access });
    },
    memory() {
      return nodes
        .filter((n) => cluster.isRunning(n.index))
        .map((n) => {
          const pids = groupPids(n.child!.pid!);
          return { node: n.index, pids, rssBytes: pids.reduce((sum, pid) => sum + rssBytes(pid), 0) };
        });
    },
    async stop() {
      // Data that is kept gets a clean shutdown; temporary data is removed anyway.
      await Promise.all(nodes.map((n) => stopNode(n, temporary ? 'SIGKILL' : 'SIGTERM')));
      process.off('exit', killAll);
      if (temporary) removeQuietly(dataDir);
      else fs.rmSync(marker, { force: true });
    },
  };

  function node(i: number): NodeState {
    const n = nodes[i];
    if (!n) throw new RangeError(`No node ${i}: the cluster has nodes 0 to ${nodes.length - 1}.`);
    return n;
  }

  try {
    await Promise.all(nodes.map((n) => launch(n)));
    log('waiting for the nodes to form a cluster…');
    await cluster.waitForStatus('yellow', startTimeoutMs);
  } catch (e) {
    await cluster.stop().catch(() => {});
    throw e;
  }
  return cluster;
}

/**
 * Polls `_cluster/health` on the given nodes until the status is at least `status` (and, with
 * `nodes`, exactly that many nodes have joined). A secured cluster needs `access` (its CA and a user).
 *
 * @example
 * await waitForHealth(['http://127.0.0.1:9200'], { status: 'green', nodes: 2, timeoutMs: 60_000 });
 * await waitForHealth(secured.nodeUrls, { status: 'yellow', timeoutMs: 60_000, access: { ca: fs.readFileSync(secured.caFile!), username: 'verbatim', password } });
 */
export async function waitForHealth(
  nodeUrls: string[],
  { status, nodes, timeoutMs, access }: { status: 'green' | 'yellow'; nodes?: number; timeoutMs: number; access?: ClusterAccess },
): Promise<ClusterHealth> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    for (const url of nodeUrls) {
      const wait = Math.max(1, Math.min(5, Math.floor((deadline - Date.now()) / 1000)));
      const query = `wait_for_status=${status}&timeout=${wait}s${nodes ? `&wait_for_nodes=${nodes}` : ''}`;
      try {
        const res = await getJson(`${url}/_cluster/health?${query}`, (wait + 5) * 1000, access);
        const health = res.body as ClusterHealth;
        if (res.ok && !health.timed_out) return health;
        last = `${url}: ${health.status ?? JSON.stringify(health).slice(0, 200)}, ${health.number_of_nodes ?? '?'} node(s)`;
      } catch (e) {
        last = `${url}: ${(e as Error).message}`;
      }
      if (Date.now() > deadline) {
        throw new Error(`The Elasticsearch cluster did not reach ${status}${nodes ? ` with ${nodes} node(s)` : ''} within ${Math.round(timeoutMs / 1000)} s (last: ${last}).`);
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Takes `marker` for this process, or throws if a live process holds it (a stale one is taken over). */
function claimDataDir(marker: string): void {
  for (;;) {
    try {
      fs.writeFileSync(marker, JSON.stringify({ pid: process.pid }), { flag: 'wx' });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder: { pid?: number; url?: string } = {};
    try {
      holder = JSON.parse(fs.readFileSync(marker, 'utf8')) as typeof holder;
    } catch {
      // half-written or unreadable: treat as stale
    }
    if (holder.pid && holder.pid !== process.pid && isAlive(holder.pid)) {
      throw new EsStartError(
        `An Elasticsearch cluster already runs from ${path.dirname(marker)} (process ${holder.pid}${holder.url ? `, ${holder.url}` : ''}): use it, or stop it first (Ctrl-C where it runs), or give another data folder.`,
      );
    }
    fs.rmSync(marker, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates a node's folders (config copied from the distribution) owned by the user that runs it; true when its data is empty. */
function prepareNodeDir(dir: string, esHome: string, who: RunAs): boolean {
  for (const sub of ['data', 'logs', 'tmp']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  const config = path.join(dir, 'config');
  // Its own config folder: each node creates its own keystore there (one shared folder races).
  if (!fs.existsSync(config)) {
    fs.cpSync(path.join(esHome, 'config'), config, { recursive: true });
    // GC logging would write up to 32 × 64 MB per node; warnings to the console are enough here.
    fs.writeFileSync(path.join(config, 'jvm.options.d', 'verbatim.options'), '-Xlog:disable\n-Xlog:all=warning:stderr:utctime,level,tags\n');
  }
  if (isRoot()) chownTree(dir, who);
  return fs.readdirSync(path.join(dir, 'data')).length === 0;
}

/** A secured cluster's key material and superuser, made once per data folder. */
interface Security {
  /** `<dataDir>/certs`: `ca/ca.crt`, `ca/ca.key`, `node/node.crt`, `node/node.key`, `superuser.json`. */
  dir: string;
  caFile: string;
  ca: Buffer;
  username: string;
  password: string;
  /** True when the password was made (or given) now: the nodes' user files must be rewritten. */
  newPassword: boolean;
  /** Node folders whose config already has the certificates and the user (this process). */
  configured: Set<string>;
}

/**
 * The CA and node certificate (made with the distribution's `elasticsearch-certutil` in PEM mode, for
 * 127.0.0.1 and localhost) and the superuser's name and password, in `<dataDir>/certs`; kept ones are
 * reused, so a kept cluster's clients keep working across restarts.
 */
async function prepareSecurity(
  dataDir: string,
  esHome: string,
  javaHome: string,
  who: RunAs,
  wanted: { username?: string; password?: string },
  log: (line: string) => void,
): Promise<Security> {
  const dir = path.join(dataDir, 'certs');
  const caFile = path.join(dir, 'ca', 'ca.crt');
  const files = [caFile, path.join(dir, 'ca', 'ca.key'), path.join(dir, 'node', 'node.crt'), path.join(dir, 'node', 'node.key')];
  if (!files.every((f) => fs.existsSync(f))) {
    log('security: making a CA and a node certificate with elasticsearch-certutil…');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { mode: 0o755 });
    if (isRoot()) fs.chownSync(dir, who.uid, who.gid);
    const tool = { esHome, javaHome, who, confDir: path.join(esHome, 'config'), home: dir };
    await runTool(tool, 'elasticsearch-certutil', ['ca', '--pem', '--silent', '--out', path.join(dir, 'ca.zip')]);
    await runTool(tool, 'unzip', ['-q', '-o', path.join(dir, 'ca.zip'), '-d', dir]);
    await runTool(tool, 'elasticsearch-certutil', [
      'cert', '--pem', '--silent', '--name', 'node', '--ip', '127.0.0.1', '--dns', 'localhost',
      '--ca-cert', caFile, '--ca-key', files[1]!, '--out', path.join(dir, 'node.zip'),
    ]);
    await runTool(tool, 'unzip', ['-q', '-o', path.join(dir, 'node.zip'), '-d', dir]);
    for (const zip of ['ca.zip', 'node.zip']) fs.rmSync(path.join(dir, zip), { force: true });
    for (const f of [files[1]!, files[3]!]) fs.chmodSync(f, 0o600); // keys: the node's user only
    for (const f of files) if (!fs.existsSync(f)) throw new EsStartError(`elasticsearch-certutil reported success but ${f} is missing.`);
  }

  // The password is kept beside the certificates (readable by us only), so a kept cluster keeps its .env.
  const credentialsFile = path.join(dir, 'superuser.json');
  let kept: { username?: string; password?: string } = {};
  try {
    kept = JSON.parse(fs.readFileSync(credentialsFile, 'utf8')) as typeof kept;
  } catch {
    // none yet
  }
  const username = wanted.username ?? kept.username ?? 'verbatim';
  if (!/^[a-zA-Z0-9_][a-zA-Z0-9_.@-]{0,506}$/.test(username)) throw new RangeError(`The superuser name "${username}" is not a valid Elasticsearch user name.`);
  const reuse = kept.username === username && !!kept.password && (wanted.password === undefined || wanted.password === kept.password);
  const password = reuse ? kept.password! : (wanted.password ?? randomBytes(12).toString('hex'));
  if (password.length < 6) throw new RangeError('The superuser password must have at least 6 characters (Elasticsearch refuses shorter ones).');
  if (!reuse) {
    fs.rmSync(credentialsFile, { force: true });
    fs.writeFileSync(credentialsFile, JSON.stringify({ username, password }), { mode: 0o600 });
  }
  return { dir, caFile, ca: fs.readFileSync(caFile), username, password, newPassword: !reuse, configured: new Set() };
}

/** Copies the certificates into node `n`'s config folder and adds the superuser to its file realm (once per node folder, or when the password is new). */
async function secureNodeConfig(n: NodeState, security: Security, esHome: string, javaHome: string, who: RunAs, log: (line: string) => void): Promise<void> {
  if (security.configured.has(n.dir)) return;
  const config = path.join(n.dir, 'config');
  const certs = path.join(config, 'certs');
  fs.mkdirSync(certs, { recursive: true });
  fs.copyFileSync(security.caFile, path.join(certs, 'ca.crt'));
  fs.copyFileSync(path.join(security.dir, 'node', 'node.crt'), path.join(certs, 'node.crt'));
  fs.copyFileSync(path.join(security.dir, 'node', 'node.key'), path.join(certs, 'node.key'));
  fs.chmodSync(path.join(certs, 'node.key'), 0o600);
  if (isRoot()) chownTree(certs, who);

  // The file realm: <config>/users (name:hash) and users_roles (role:name,…), written by elasticsearch-users.
  const users = path.join(config, 'users');
  const hasUser = (fs.existsSync(users) ? fs.readFileSync(users, 'utf8') : '').split('\n').some((l) => l.startsWith(`${security.username}:`));
  if (!hasUser || security.newPassword) {
    log(`security: adding the superuser ${security.username} to ${n.name}'s file realm…`);
    const tool = { esHome, javaHome, who, confDir: config, home: n.dir };
    if (hasUser) await runTool(tool, 'elasticsearch-users', ['userdel', security.username]);
    await runTool(tool, 'elasticsearch-users', ['useradd', security.username, '-p', security.password, '-r', 'superuser']);
  }
  security.configured.add(n.dir);
}

/** Runs one of the distribution's tools (or `unzip`) as the user that runs the nodes, with a clean environment; a failure is an `EsStartError` with its output. */
async function runTool(
  tool: { esHome: string; javaHome: string; who: RunAs; confDir: string; home: string },
  name: string,
  args: string[],
): Promise<void> {
  const file = name === 'unzip' ? 'unzip' : path.join(tool.esHome, 'bin', name);
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(
        file,
        args,
        {
          cwd: tool.home,
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: tool.home, ES_JAVA_HOME: tool.javaHome, ES_PATH_CONF: tool.confDir },
          timeout: 180_000, // a JVM start on a busy 2-core machine
          maxBuffer: 4 * 1024 * 1024,
          ...(isRoot() ? { uid: tool.who.uid, gid: tool.who.gid } : {}),
        },
        (error, stdout, stderr) => (error ? reject(Object.assign(error, { output: `${stdout}${stderr}` })) : resolve()),
      );
    });
  } catch (e) {
    // Never the password: the arguments stay out of the message.
    const output = String((e as { output?: string }).output ?? '').trim().split('\n').slice(-8).join('\n');
    throw new EsStartError(`${name} ${args[0]} failed (${(e as NodeJS.ErrnoException).code ?? (e as Error).message.split('\n')[0]}). Its last lines:\n${output || '(none)'}`);
  }
}

/** GET `url` as JSON: with `access`, over HTTPS trusting its CA and with its user; `ok` for a 2xx answer. */
async function getJson(url: string, timeoutMs: number, access?: ClusterAccess): Promise<{ ok: boolean; body: unknown }> {
  if (!access) {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { ok: res.ok, body: await res.json() };
  }
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca: access.ca, auth: `${access.username}:${access.password}`, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('error', reject);
      res.on('end', () => {
        try {
          const status = res.statusCode ?? 0;
          resolve({ ok: status >= 200 && status < 300, body: JSON.parse(text) as unknown });
        } catch (e) {
          reject(e as Error);
        }
      });
    });
    req.on('error', reject);
  });
}

function chownTree(dir: string, who: RunAs): void {
  fs.chownSync(dir, who.uid, who.gid);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) chownTree(p, who);
    else fs.lchownSync(p, who.uid, who.gid);
  }
}

function consoleLog(n: NodeState): string {
  return path.join(n.dir, 'logs', 'console.log');
}

/** The last lines of a node's console log, for error messages. */
function logTail(n: NodeState, lines = 15): string {
  try {
    const text = fs.readFileSync(consoleLog(n), 'utf8');
    return text.trimEnd().split('\n').slice(-lines).map((l) => l.slice(0, 400)).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Resolves when node `n` answers HTTP; rejects with its log's last lines if it exits or times out. */
async function waitForHttp(n: NodeState, url: string, timeoutMs: number, access?: ClusterAccess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void n.exited?.then(() => (exited = true));
  while (!exited) {
    try {
      // Any HTTP answer will do: the HTTP port opens last in a node's start. (Not `GET /`: this
      // distribution answers it with 405, so the client's `info()` does not work either.)
      await getJson(`${url}/_cluster/health?timeout=0s`, 2000, access);
      return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stopNode(n, 'SIGKILL');
      throw new EsStartError(`Elasticsearch ${n.name} did not answer on ${url} within ${Math.round(timeoutMs / 1000)} s. Last lines of ${consoleLog(n)}:\n${logTail(n)}`);
    }
    await Promise.race([new Promise((r) => setTimeout(r, 500)), n.exited]);
  }
  const code = n.child?.exitCode ?? n.child?.signalCode;
  throw new EsStartError(`Elasticsearch ${n.name} exited (${code}) while starting. Last lines of ${consoleLog(n)}:\n${logTail(n)}`);
}

/** Signals node `n`'s process group and waits for it; a SIGTERM that takes over 60 s becomes a SIGKILL. */
async function stopNode(n: NodeState, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
  const child = n.child;
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  killGroup(child.pid, signal);
  const timer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), signal === 'SIGKILL' ? 5_000 : 60_000);
  await n.exited;
  clearTimeout(timer);
  // The server JVM may outlive the CLI for a moment; nothing of the group may stay behind.
  killGroup(child.pid, 'SIGKILL');
  for (let i = 0; i < 100 && groupPids(child.pid).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
}

function removeQuietly(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // a temporary folder: the OS cleans it eventually
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

let setprivAvailable: boolean | undefined;
function hasSetpriv(): boolean {
  setprivAvailable ??= (process.env.PATH ?? '').split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, 'setpriv')));
  return setprivAvailable;
}

/** Live (non-zombie) processes in process group `pgid`, from /proc. */
function groupPids(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * `preferred` if it is free on 127.0.0.1, else a free port the OS picks (and says so through `log`);
 * never one in `taken`, which it joins.
 *
 * @example
 * const port = await pickPort(9200, new Set(), console.log, 'node-0 HTTP'); // 9200, or e.g. 41873 if 9200 is busy
 */
export async function pickPort(preferred: number | undefined, taken: Set<number>, log: (line: string) => void, what: string): Promise<number> {
  if (preferred !== undefined && !taken.has(preferred) && (await isFree(preferred))) {
    taken.add(preferred);
    return preferred;
  }
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen({ host: '127.0.0.1', port: 0 }, () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    if (taken.has(port)) continue;
    taken.add(port);
    if (preferred !== undefined) log(`port ${preferred} is in use: ${what} uses ${port}`);
    return port;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: '127.0.0.1', port }, () => srv.close(() => resolve(true)));
  });
}
