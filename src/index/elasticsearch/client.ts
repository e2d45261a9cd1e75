/**
 * The Elasticsearch client as the product configures it (nodes, credentials, CA), and the two ways a
 * cluster problem reaches people: `IndexError` at start (one line naming ELASTICSEARCH_URL, exit 1)
 * and `IndexUnavailableError` while answering (a short "try again shortly" reply; the next question
 * tries the cluster again).
 */
import fs from 'node:fs';
import { Client, errors, type ClientOptions } from '@elastic/elasticsearch';
import type { ElasticsearchConfig } from '../../config.js';
import { IndexError } from '../format.js';

/** The cluster could not answer a question now; the same question may succeed in a moment. */
export class IndexUnavailableError extends Error {
  override name = 'IndexUnavailableError';
  constructor(readonly reason: string) {
    super('The index is unavailable right now, try again shortly.');
  }
}

/**
 * A client for the configured cluster. Requests go to any listed node; a node that fails is marked
 * dead and the request is retried on another, which is what carries answering over a node loss.
 *
 * @example
 * const client = openClient(config.elasticsearch);
 * await client.cluster.health();
 */
export function openClient(es: ElasticsearchConfig): Client {
  const options: ClientOptions = {
    nodes: es.urls,
    maxRetries: 3,
    requestTimeout: 30_000,
    // Retried requests after a node loss should move on quickly, not wait for TCP timeouts.
    pingTimeout: 2_000,
  };
  if (es.apiKey) options.auth = { apiKey: es.apiKey };
  else if (es.username && es.password) options.auth = { username: es.username, password: es.password };
  if (es.caFile) {
    let ca: Buffer;
    try {
      ca = fs.readFileSync(es.caFile);
    } catch (e) {
      throw new IndexError(`Cannot read ELASTICSEARCH_CA_FILE ${es.caFile} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
    }
    options.tls = { ca };
  }
  return new Client(options);
}

/** Whether an error means the cluster (or the network to it) is down, rather than a bad request. */
export function isUnreachable(e: unknown): boolean {
  return (
    e instanceof errors.ConnectionError ||
    e instanceof errors.TimeoutError ||
    e instanceof errors.NoLivingConnectionsError ||
    (e instanceof errors.ResponseError && [502, 503, 504].includes(e.statusCode ?? 0)) ||
    // A shard without a live copy (both nodes holding it lost) fails the search: unavailable too.
    (e instanceof errors.ResponseError && /no_shard_available|search_phase_execution|unavailable_shards|cluster_block/.test(String(e.message)))
  );
}

/**
 * The one line a person reads when the cluster cannot be reached at start.
 *
 * @example
 * throw startError(config.elasticsearch, e); // IndexError: Cannot reach Elasticsearch at http://… (ELASTICSEARCH_URL): …
 */
export function startError(es: ElasticsearchConfig, e: unknown): IndexError {
  if (e instanceof errors.ResponseError && (e.statusCode === 401 || e.statusCode === 403)) {
    return new IndexError(
      `Elasticsearch at ${es.urls.join(',')} refused the credentials (HTTP ${e.statusCode}). Check ELASTICSEARCH_API_KEY or ELASTICSEARCH_USERNAME / ELASTICSEARCH_PASSWORD.`,
    );
  }
  const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
  return new IndexError(
    `Cannot reach Elasticsearch at ${es.urls.join(',')} (ELASTICSEARCH_URL): ${why}. Start the cluster (npm run es for a local one) or fix ELASTICSEARCH_URL.`,
  );
}
