/**
 * What the local Elasticsearch cluster needs, and the messages when something is missing or a node
 * cannot start. The real cluster is exercised by test/index/es-cluster.test.ts.
 */
import fs from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { EsStartError, pickPort, startLocalCluster } from '../../src/devcluster/cluster.js';
import { assertReachable, isRoot, resolveJavaHome } from '../../src/devcluster/distribution.js';

const java = await resolveJavaHome().then(
  () => true,
  () => false,
);

describe('Elasticsearch prerequisites', () => {
  it('says there is no Java, and how to get it, when none is found', async () => {
    await expect(resolveJavaHome({ PATH: '' })).rejects.toThrow(/No Java found.*ES_JAVA_HOME/);
  });

  it('names the setting that points at a Java that does not run', async () => {
    await expect(resolveJavaHome({ ES_JAVA_HOME: '/nonexistent/jdk' })).rejects.toThrow(/Java from ES_JAVA_HOME \(\/nonexistent\/jdk\/bin\/java\) does not run/);
  });

  it.skipIf(!isRoot())('refuses a data folder the unprivileged user cannot enter (as root)', () => {
    expect(() => assertReachable('/root/es-data', { uid: 65534, gid: 65534, name: 'nobody' })).toThrow(/inside \/root, which the user nobody .* cannot enter/);
    expect(() => assertReachable('/tmp/verbatim-es-data', { uid: 65534, gid: 65534, name: 'nobody' })).not.toThrow();
  });

  it('replaces a port in use by a free one, and says so', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const taken = (busy.address() as net.AddressInfo).port;
    const lines: string[] = [];
    try {
      const port = await pickPort(taken, new Set(), (l) => lines.push(l), 'node-0 HTTP');
      expect(port).not.toBe(taken);
      expect(lines).toEqual([`port ${taken} is in use: node-0 HTTP uses ${port}`]);
    } finally {
      busy.close();
    }
  });

  it.skipIf(!java)('refuses a data folder another live cluster runs from, saying where it is', async () => {
    const dataDir = fs.mkdtempSync('/tmp/verbatim-es-busy-');
    // Our parent process stands in for the `npm run es` that holds the folder.
    fs.writeFileSync(`${dataDir}/running.json`, JSON.stringify({ pid: process.ppid, url: 'http://127.0.0.1:9200,http://127.0.0.1:9201' }));
    await expect(startLocalCluster({ dataDir, fresh: true })).rejects.toThrow(
      `An Elasticsearch cluster already runs from ${dataDir} (process ${process.ppid}, http://127.0.0.1:9200,http://127.0.0.1:9201)`,
    );
    expect(fs.existsSync(`${dataDir}/running.json`)).toBe(true); // --fresh wiped nothing
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  // Starts Elasticsearch's launcher for real (a few seconds), so only where Java is.
  it.skipIf(!java)('reports a node that cannot start with the last lines of its log, and leaves nothing behind', async () => {
    const dataDir = fs.mkdtempSync('/tmp/verbatim-es-fail-');
    // A heap too small for the JVM to start: the node exits at once.
    const start = startLocalCluster({ nodes: 1, dataDir, heapMb: 512, javaOpts: ['-Xmx1m'], startTimeoutMs: 60_000 });
    await expect(start).rejects.toThrow(EsStartError);
    await expect(start).rejects.toThrow(/node-0 exited .* while starting\. Last lines of .*console\.log:\n[\s\S]*heap/i);
    // No process of that node is left (zombies aside: this sandbox's PID 1 does not reap them).
    const left = fs.readdirSync('/proc').filter((pid) => {
      if (!/^\d+$/.test(pid)) return false;
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir);
      } catch {
        return false;
      }
    });
    expect(left).toEqual([]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
