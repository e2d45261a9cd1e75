/**
 * The test harness's real 2-node Elasticsearch cluster: both nodes join, a replicated index turns
 * green, losing a node (a crash) leaves the cluster yellow and still answering from the surviving
 * copies, and the restarted node brings it back to green.
 */
import { Client } from '@elastic/elasticsearch';
import { afterAll, describe, expect, it } from 'vitest';
import { esCluster, waitForIndices } from '../support/elasticsearch.js';

// Exclusive: this file kills a node, so no other ES test file runs on the cluster meanwhile.
const cluster = await esCluster({ exclusive: true });

describe.skipIf(!cluster)('local 2-node Elasticsearch cluster', () => {
  const index = 'test-es-cluster';
  const client = new Client({ nodes: cluster?.nodeUrls ?? [] });
  afterAll(async () => {
    await client.indices.delete({ index, ignore_unavailable: true }).catch(() => {});
    await client.close();
  });

  it('has both nodes joined, node 0 the master', async () => {
    expect(cluster!.url).toBe(cluster!.nodeUrls.join(','));
    const nodes = await client.cat.nodes({ format: 'json', h: 'name,master,node.role' });
    expect(nodes.map((n) => n.name).sort()).toEqual(['node-0', 'node-1']);
    expect(nodes.find((n) => n.master === '*')?.name).toBe('node-0');
  });

  it('keeps answering from the replica while a node is down, and turns green again when it is back', async () => {
    await client.indices.create({ index, settings: { number_of_shards: 1, number_of_replicas: 1 } });
    await client.bulk({
      index,
      refresh: true,
      operations: ['Coalition aircraft flew 300 missions.', 'The port reopened on Monday.', 'Talks resume in Geneva.'].flatMap((text, i) => [
        { index: { _id: String(i) } },
        { text },
      ]),
    });
    expect((await cluster!.waitForStatus('green')).status).toBe('green');
    const copies = await client.cat.shards({ index, format: 'json', h: 'node,state' });
    expect(copies.map((c) => `${c.node} ${c.state}`).sort()).toEqual(['node-0 STARTED', 'node-1 STARTED']);

    await cluster!.killNode(1); // SIGKILL: a crash, not a clean leave
    // This index from its replica (the shared cluster's health also covers what other files left).
    await waitForIndices(cluster!, index, 'yellow', { nodes: 1 });
    const degraded = await client.cluster.health({ index });
    expect(degraded).toMatchObject({ status: 'yellow', number_of_nodes: 1 });
    // Through the client given both nodes, as the product is: node 1 refuses, node 0 answers.
    const found = await client.search<{ text: string }>({ index, query: { match: { text: 'missions' } } });
    expect(found.hits.hits.map((h) => h._source?.text)).toEqual(['Coalition aircraft flew 300 missions.']);
    expect((await client.count({ index })).count).toBe(3);

    await cluster!.startNode(1);
    const healed = await cluster!.waitForStatus('green');
    expect(healed).toMatchObject({ status: 'green', number_of_nodes: 2, unassigned_shards: 0 });
  });
});
