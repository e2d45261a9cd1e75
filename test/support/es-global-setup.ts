/**
 * Vitest global setup: owns the one local Elasticsearch cluster of a test run (see
 * `test/support/elasticsearch.ts` for the contract test files use).
 *
 * Test files run in worker processes, which come and go; a cluster's processes must outlive them, so
 * they belong to this (main) process. Workers talk to it through a small HTTP service on 127.0.0.1
 * (its URL is handed over with `provide`):
 *
 * - `POST /cluster` starts the cluster on first use (only runs with an ES test file pay for it) and
 *   answers `{ url, nodeUrls }`, or `{ reason }` (503) when it cannot run here.
 * - `POST /nodes/<i>/kill?signal=SIGKILL|SIGTERM`, `POST /nodes/<i>/start`: fault injection.
 * - `GET /lease?mode=shared|exclusive`: answers `granted` once the lease is held, and holds it until
 *   the request's connection closes (released by the file's `afterAll`, or by its worker dying).
 *   Shared leases run side by side; an exclusive one (a file that kills nodes) waits for the others to
 *   finish and keeps new ones waiting. When an exclusive lease ends, stopped nodes are started again
 *   and the cluster is back to every node joined before the next lease is granted.
 *
 * The teardown stops the cluster; the library also kills the nodes if this process exits otherwise.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GlobalSetupContext } from 'vitest/node';
import { startLocalCluster, type LocalCluster } from '../../src/devcluster/cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the Elasticsearch broker of this run (see test/support/es-global-setup.ts). */
    verbatimEsBroker: string;
  }
}

type Mode = 'shared' | 'exclusive';
interface Waiter {
  mode: Mode;
  grant: () => void;
}

/** Starts the broker; returns the teardown that stops the cluster (if one was started). */
export default async function setup({ provide }: GlobalSetupContext): Promise<() => Promise<void>> {
  let cluster: Promise<LocalCluster> | undefined;
  const startCluster = (): Promise<LocalCluster> => {
    // One attempt per run: a missing prerequisite does not become faster to find on every file.
    cluster ??= startLocalCluster({
      nodes: 2,
      clusterName: `verbatim-test-${process.pid}`,
      // C1 only: a node starts in about half the time (measured 14–21 s vs 30–34 s for the cluster);
      // the tests' small indexes do not need C2's faster steady state (benchmarks use `npm run es`).
      javaOpts: ['-XX:TieredStopAtLevel=1'],
    });
    return cluster;
  };

  // Leases: FIFO, so an exclusive waiter is not starved by a stream of shared ones.
  let shared = 0;
  let exclusive = false;
  let healing: Promise<void> | undefined;
  const queue: Waiter[] = [];
  const pump = (): void => {
    while (queue.length > 0 && !exclusive && !healing) {
      const head = queue[0]!;
      if (head.mode === 'exclusive' && shared > 0) return;
      queue.shift();
      if (head.mode === 'exclusive') exclusive = true;
      else shared++;
      head.grant();
    }
  };
  const release = (mode: Mode): void => {
    if (mode === 'shared') {
      shared--;
      pump();
      return;
    }
    exclusive = false;
    // Hand the next file a whole cluster, whatever the last one killed.
    healing = heal().finally(() => {
      healing = undefined;
      pump();
    });
  };
  const heal = async (): Promise<void> => {
    if (!cluster) return;
    try {
      const c = await cluster;
      for (let i = 0; i < c.nodeUrls.length; i++) if (!c.isRunning(i)) await c.startNode(i);
      await c.waitForStatus('yellow', 180_000);
    } catch {
      // The next file sees the cluster as it is and reports what fails.
    }
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://broker');
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const fail = (e: unknown) => reply(503, { reason: (e as Error)?.message ?? String(e) });
    const nodeRoute = /^\/nodes\/(\d+)\/(kill|start)$/.exec(url.pathname);

    if (req.method === 'POST' && url.pathname === '/cluster') {
      startCluster().then((c) => reply(200, { url: c.url, nodeUrls: c.nodeUrls, clusterName: c.clusterName }), fail);
    } else if (req.method === 'POST' && nodeRoute) {
      const i = Number(nodeRoute[1]);
      const signal = url.searchParams.get('signal') === 'SIGTERM' ? 'SIGTERM' : 'SIGKILL';
      startCluster()
        .then((c) => (nodeRoute[2] === 'kill' ? c.killNode(i, signal) : c.startNode(i)))
        .then(() => reply(200, { ok: true }), fail);
    } else if (req.method === 'GET' && url.pathname === '/lease') {
      const mode: Mode = url.searchParams.get('mode') === 'exclusive' ? 'exclusive' : 'shared';
      let held = false;
      const waiter: Waiter = {
        mode,
        grant: () => {
          held = true;
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('granted\n');
        },
      };
      res.on('close', () => {
        if (held) return release(mode);
        // Gave up waiting (its worker ended): drop it, which may unblock the ones behind it.
        const at = queue.indexOf(waiter);
        if (at >= 0) queue.splice(at, 1);
        pump();
      });
      queue.push(waiter);
      pump();
    } else {
      reply(404, { reason: `no route ${req.method} ${url.pathname}` });
    }
  });
  // A lease is held for a whole test file: no request timeouts.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  provide('verbatimEsBroker', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);

  return async () => {
    server.closeAllConnections();
    server.close();
    if (cluster) await (await cluster.catch(() => undefined))?.stop();
  };
}
