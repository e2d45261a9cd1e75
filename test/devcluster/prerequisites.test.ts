/**
 * What the local Elasticsearch cluster needs, and the messages when it is missing: no cluster is
 * started here (test/index/es-cluster.test.ts runs the real one).
 */
import { describe, expect, it } from 'vitest';
import { assertReachable, isRoot, resolveJavaHome } from '../../src/devcluster/distribution.js';

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
});
