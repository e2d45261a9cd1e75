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

/** Node's messages for a server certificate it does not trust (no CA, the wrong CA, expired). */
const UNTRUSTED_CERTIFICATE = /unable to verify the first certificate|self[- ]signed certificate|unable to get (local )?issuer certificate|certificate has expired|certificate is not yet valid|certificate signature failure/i;

/**
 * The one line a person reads when the cluster cannot be reached at start: refused credentials, an
 * HTTPS certificate this process does not trust (with what to set), or an unreachable cluster.
 *
 * @example
 * throw startError(config.elasticsearch, e); // IndexError: Cannot reach Elasticsearch at http://… (ELASTICSEARCH_URL): …
 * // IndexError: Elasticsearch at https://… has an HTTPS certificate this process does not trust (unable to verify the first certificate). Set ELASTICSEARCH_CA_FILE …
 */
export function startError(es: ElasticsearchConfig, e: unknown): IndexError {
  if (e instanceof errors.ResponseError && e.statusCode === 401 && !es.apiKey && !es.username) {
    return new IndexError(
      `Elasticsearch at ${es.urls.join(',')} requires credentials (HTTP 401). Set ELASTICSEARCH_API_KEY, or ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD.`,
    );
  }
  if (e instanceof errors.ResponseError && (e.statusCode === 401 || e.statusCode === 403)) {
    return new IndexError(
      `Elasticsearch at ${es.urls.join(',')} refused the credentials (HTTP ${e.statusCode}). Check ELASTICSEARCH_API_KEY or ELASTICSEARCH_USERNAME / ELASTICSEARCH_PASSWORD.`,
    );
  }
  const why = e instanceof Error ? e.message.split('\n')[0]!.trim() : String(e);
  if (UNTRUSTED_CERTIFICATE.test(why)) {
    const fix = es.caFile
      ? `ELASTICSEARCH_CA_FILE (${es.caFile}) is not the CA that signed it: set it to that CA's PEM file`
      : 'Set ELASTICSEARCH_CA_FILE to the PEM file of the CA that signed it';
    return new IndexError(
      `Elasticsearch at ${es.urls.join(',')} has an HTTPS certificate this process does not trust (${why}). ${fix} (on a self-managed 8.x node: config/certs/http_ca.crt).`,
    );
  }
  if (/does not match certificate's altnames/i.test(why)) {
    return new IndexError(
      `Elasticsearch at ${es.urls.join(',')} has an HTTPS certificate for another host name (${why}). Use in ELASTICSEARCH_URL a host name or IP address the certificate names.`,
    );
  }
  // A secured node closes plain-HTTP connections without a word.
  const plain = es.urls.some((u) => u.startsWith('http:')) && /other side closed|socket hang up|ECONNRESET/i.test(why);
  return new IndexError(
    `Cannot reach Elasticsearch at ${es.urls.join(',')} (ELASTICSEARCH_URL): ${why}. ` +
      (plain ? 'If the cluster is secured, use https:// in ELASTICSEARCH_URL.' : 'Start the cluster (npm run es for a local one) or fix ELASTICSEARCH_URL.'),
  );
}
