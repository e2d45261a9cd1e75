/**
 * The real engine loader: opens the index in `config.indexDir` (reusing the already loaded embedding
 * model on reload) and probes the live build id from `current/manifest.json`. The engine modules are
 * imported lazily so that tests with a stub engine never load the model runtime.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';
import { currentLink, FILES } from '../index/format.js';
import type { AnswerEngine } from './api.js';
import type { EngineLoader } from './engine-slot.js';
import type { Client } from '@elastic/elasticsearch';

/**
 * @example
 * const loader = indexEngineLoader(config);
 * const engine = await loader.load();      // throws IndexError when the index is missing
 * await loader.probe();                    // '20261122T052223-80f84b'
 */
export function indexEngineLoader(config: Config): EngineLoader {
  let esClient: Client | undefined;
  return {
    async load(previous?: AnswerEngine): Promise<AnswerEngine> {
      const { openEngine, Engine } = await import('./engine.js');
      const embedder = previous instanceof Engine ? previous.embedder : undefined;
      return openEngine(config, { embedder });
    },
    async probe(): Promise<string | undefined> {
      // Elasticsearch: the build behind the aliases (one small request; undefined while unreachable).
      if (config.vectorStore === 'elasticsearch') {
        const { probeBuildId, openClient } = await import('../index/elasticsearch/source.js');
        esClient ??= openClient(config.elasticsearch);
        return probeBuildId(config, esClient);
      }
      try {
        const dir = await fs.realpath(currentLink(config.indexDir));
        const manifest = JSON.parse(await fs.readFile(path.join(dir, FILES.manifest), 'utf8')) as { buildId?: unknown };
        return typeof manifest.buildId === 'string' ? manifest.buildId : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
