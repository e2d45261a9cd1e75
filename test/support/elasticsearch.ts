/**
 * The real Elasticsearch cluster for tests: one local 2-node cluster per test run, shared by every
 * test file that asks for it, started on first use by `test/support/es-global-setup.ts` (vitest's
 * globalSetup) and stopped at the end of the run. Runs without an ES test file never start it.
 *
 * Contract for test files (the store's integration and fault tests):
 *
 * ```ts
 * import { esCluster } from '../support/elasticsearch.js';
 * const cluster = await esCluster();                       // top level of the file, before describe
 * describe.skipIf(!cluster)('elasticsearch store', () => {
 *   // new Client({ node: cluster!.nodeUrls }) or config ELASTICSEARCH_URL = cluster!.url
 * });
 * ```
 *
 * - `await esCluster()` resolves once both nodes have joined (status yellow or green). Without a
 *   prerequisite (no Java 17+, the distribution neither in ~/.m2 nor fetchable with Maven, a node that
 *   does not start) it resolves `undefined`, prints one `console.warn` line saying why, and sets
 *   `ES_SKIP_REASON`; with `CI=true` it throws instead, so the file (and the run) fails.
 * - The cluster is shared by files running at the same time, and it is fresh per run (no data from
 *   earlier runs). Use index names (or an `ELASTICSEARCH_INDEX_PREFIX`) unique to your file, e.g.
 *   `test-<file>-…`, and delete your indices in `afterAll`.
 * - Files that kill nodes call `esCluster({ exclusive: true })`: the file then runs alone on the
 *   cluster (other ES files wait for it, it waits for them), and when it ends, stopped nodes are
 *   started again and the cluster has both nodes before the next file gets it. Without `exclusive`,
 *   never kill or start nodes.
 * - Node 0 is the only master-eligible node; node 1 holds data only. Kill node 1 to test a node
 *   loss (`killNode(1)` is a crash, `killNode(1, 'SIGTERM')` a clean shutdown): the cluster turns yellow
 *   and answers from the replicas (indices need `number_of_replicas: 1`). Killing node 0 leaves no
 *   master: searches on node 1 still answer, but cluster health and writes wait for node 0.
 * - `waitForStatus(status)` waits until every node this file has not killed has joined and the status is at
 *   least `status`. `startNode(i)` resolves when the node answers HTTP; wait for green after it.
 * - The distribution has only Elasticsearch's core modules and x-pack security: dense_vector kNN,
 *   BM25, aliases and the standard analyzer are there; `GET /` (the client's `info()`), painless
 *   scripts, `_reindex`, the `rrf` retriever and the `english` analyzer (analysis-common) are not.
 */
import http from 'node:http';
import { afterAll, inject } from 'vitest';
import { waitForHealth, type ClusterHealth } from '../../src/devcluster/cluster.js';

/** The shared cluster as a test file sees it. */
export interface TestCluster {
  /** Every node's URL, comma-separated: the value for `ELASTICSEARCH_URL`. */
  url: string;
  /** One URL per node (index = node number). */
  nodeUrls: string[];
  clusterName: string;
  /** Kills node i (exclusive files only): SIGKILL (default) is a crash, SIGTERM a clean shutdown. */
  killNode(i: number, signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Starts node i again (exclusive files only); resolves when it answers HTTP. */
  startNode(i: number): Promise<void>;
  /** Waits until the running nodes have joined and the status is at least `status`. */
  waitForStatus(status: 'green' | 'yellow', timeoutMs?: number): Promise<ClusterHealth>;
}

/** Why this file's ES tests are skipped (set by `esCluster()` when it resolves undefined). */
export let ES_SKIP_REASON: string | undefined;

let mine: { exclusive: boolean; cluster: Promise<TestCluster | undefined> } | undefined;

/**
 * The run's shared cluster, or undefined (with a visible warning) when it cannot run here; throws
 * with `CI=true`. Call it once, at the top level of the test file.
 *
 * @example
 * const cluster = await esCluster({ exclusive: true });
 * describe.skipIf(!cluster)('node loss', () => { it('…', async () => { await cluster!.killNode(1); }); });
 */
export function esCluster(options: { exclusive?: boolean } = {}): Promise<TestCluster | undefined> {
  const exclusive = options.exclusive ?? false;
  if (mine) {
    if (mine.exclusive !== exclusive) throw new Error('esCluster() was already called in this file with another `exclusive`: call it once per file.');
    return mine.cluster;
  }
  mine = { exclusive, cluster: connect(exclusive) };
  return mine.cluster;
}

async function connect(exclusive: boolean): Promise<TestCluster | undefined> {
  const broker = inject('verbatimEsBroker');
  let reason: string | undefined;
  let info: { url: string; nodeUrls: string[]; clusterName: string } | undefined;
  if (!broker) {
    reason = 'the vitest globalSetup test/support/es-global-setup.ts is not loaded (run the tests through vitest.config.ts)';
  } else {
    const answer = await call(broker, 'POST', '/cluster').catch((e: Error) => ({ status: 0, body: { reason: e.message } }));
    if (answer.status === 200) info = answer.body as typeof info;
    else reason = String((answer.body as { reason?: string }).reason ?? `broker answered ${answer.status}`);
  }
  if (!info) {
    ES_SKIP_REASON = missingPrerequisite('Elasticsearch tests', reason!);
    return undefined;
  }

  const release = await lease(broker, exclusive ? 'exclusive' : 'shared');
  try {
    afterAll(release);
  } catch {
    // Not called at a file's top level: the lease ends with the worker.
  }
  const killed = new Set<number>();
  const { url, nodeUrls, clusterName } = info;
  const nodeCall = async (i: number, action: string) => {
    if (!exclusive) throw new Error(`${action} node ${i}: only a file that called esCluster({ exclusive: true }) may kill or start nodes.`);
    const answer = await call(broker, 'POST', `/nodes/${i}/${action}`);
    if (answer.status !== 200) throw new Error(`${action} node ${i}: ${(answer.body as { reason?: string }).reason}`);
  };
  return {
    url,
    nodeUrls,
    clusterName,
    async killNode(i, signal = 'SIGKILL') {
      await nodeCall(i, `kill?signal=${signal}`);
      killed.add(i);
    },
    async startNode(i) {
      await nodeCall(i, 'start');
      killed.delete(i);
    },
    waitForStatus(status, timeoutMs = 120_000) {
      const running = nodeUrls.filter((_, i) => !killed.has(i));
      return waitForHealth(running, { status, nodes: running.length, timeoutMs });
    },
  };
}

/**
 * What a test file does when a prerequisite (Java, the distribution, …) is missing: one warning line
 * and the reason back (the caller skips), or, with `CI=true`, a throw that fails the run.
 *
 * @example
 * const skip = javaFound ? undefined : missingPrerequisite('Secured Elasticsearch tests', 'no Java 17');
 * describe.skipIf(!!skip)('…', () => {});
 */
export function missingPrerequisite(tests: string, reason: string): string {
  const ci = process.env.CI;
  if (ci && ci !== 'false' && ci !== '0') throw new Error(`${tests} cannot run: ${reason} (CI=true: a missing prerequisite fails the run)`);
  console.warn(`${tests} skipped: ${reason}`);
  return reason;
}

/** One broker request with no timeout (a cold cluster start takes minutes on a busy machine). */
function call(broker: string, method: string, pathname: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${broker}${pathname}`, { method }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown });
        } catch {
          resolve({ status: res.statusCode ?? 0, body: { reason: text } });
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Holds a lease until the returned function is called (or this process ends). */
function lease(broker: string, mode: 'shared' | 'exclusive'): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${broker}/lease?mode=${mode}`, (res) => {
      res.on('error', () => {});
      res.once('data', () => {
        // Held open, but not keeping the worker alive.
        res.socket.unref();
        resolve(() => req.destroy());
      });
    });
    req.on('error', reject);
  });
}

/**
 * Waits until the indices matching `pattern` are at least `status`, whatever other files left in the
 * shared cluster; on timeout, throws with every index that is not green (hidden ones included), so a
 * failure says which copies were lost.
 *
 * @example
 * await cluster.killNode(1);
 * await waitForIndices(cluster, 'test-faults-*', 'yellow', { nodes: 1 }); // served from the replicas
 */
export async function waitForIndices(
  cluster: TestCluster,
  pattern: string,
  status: 'green' | 'yellow',
  options: { nodes?: number; timeoutMs?: number } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const { Client } = await import('@elastic/elasticsearch');
  const client = new Client({ nodes: cluster.nodeUrls, maxRetries: 1, requestTimeout: 10_000 });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      // With `nodes`, also until the cluster has seen a killed node go (until then the index still looks green).
      const health = await client.cluster
        .health({ index: pattern, wait_for_status: status, timeout: '5s', ...(options.nodes ? { wait_for_nodes: String(options.nodes) } : {}) })
        .catch(() => undefined);
      if (health && !health.timed_out && (health.status === 'green' || health.status === status)) return;
      if (Date.now() > deadline) {
        const indices = await client.cat
          .indices({ format: 'json', h: 'index,health,pri,rep', expand_wildcards: 'all' })
          .catch((e: Error) => [{ index: `(cat failed: ${e.message})`, health: 'unknown' }]);
        const notGreen = indices.filter((i) => i.health !== 'green');
        throw new Error(`${pattern} did not reach ${status} within ${timeoutMs / 1000} s (last: ${health?.status ?? 'no answer'}); indices not green: ${JSON.stringify(notGreen)}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await client.close();
  }
}
