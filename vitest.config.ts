import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The run's own temporary folder (removed at the end), then its Elasticsearch cluster, started only if an
    // ES test file asks (test/support/elasticsearch.ts).
    globalSetup: ['test/support/tmp-global-setup.ts', 'test/support/es-global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Two cores: the model runs in every worker, so more workers only fight for them.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    env: { MODEL_DIR: process.env.MODEL_DIR ?? '../shared/models', LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
  },
});
