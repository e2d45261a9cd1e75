/**
 * A build into the cluster in its own process, for the interrupted-build test: small bulk batches
 * with a line per batch on stdout, so the test can kill it in the middle of the bulk writes.
 * Configuration from the environment (CORPUS_DIR, INDEX_DIR, ELASTICSEARCH_*).
 */
import { loadConfig } from '../../src/config.js';
import { buildIntoCluster } from '../../src/index/elasticsearch/build.js';

const config = loadConfig(process.env, { dotenv: false });
const { cluster } = await buildIntoCluster(config, {
  batch: Number(process.env.ES_TEST_BATCH ?? 50),
  // Every document again (an unchanged corpus would otherwise write none to interrupt).
  full: process.env.ES_TEST_FULL === '1',
  onWrite: (done, total) => process.stdout.write(`written ${done}/${total}\n`),
});
process.stdout.write(`switched to ${cluster.buildId}\n`);
