/**
 * Child process for bad-index.test.ts: loads an index and searches it once, printing one JSON line.
 * Run apart from the test worker because hnswlib crashes the whole process (SIGSEGV) on a damaged
 * graph instead of throwing; a regression then shows as a failed assertion, not a dead worker.
 */
import { loadIndex } from '../../../src/index/load.js';

const dir = process.argv[2];
try {
  const index = await loadIndex(dir, { model: 'Xenova/all-MiniLM-L6-v2', quantized: true });
  const dim = index.manifest.embedding.dim;
  const hits = (await index.sentenceStore.search(index.sentenceVectors.subarray(0, dim), 5)).length + (await index.passageStore.search(index.passageVectors.subarray(0, dim), 5)).length;
  process.stdout.write(JSON.stringify({ ok: true, hits }) + '\n');
} catch (e) {
  process.stdout.write(JSON.stringify({ ok: false, name: (e as Error).name, message: (e as Error).message }) + '\n');
}
