import { describe, expect, it } from 'vitest';
import { openParallelRaw, openRawModel, runRaw, tokenize } from '../../src/bench/throughput.js';
import { loadScaleRow, saveScaleRow, type ScaleRow } from '../../src/bench/scale.js';
import { scaleGrowth } from '../../src/bench/report.js';
import { MODEL_DIR, tempDir } from '../support/env.js';

const OPTIONS = { modelDir: MODEL_DIR, model: 'Xenova/all-MiniLM-L6-v2', quantized: true, maxTokens: 256 };

describe('the parallel raw limit', () => {
  it('runs every text once across its processes, each round, and reports the slowest share', async () => {
    const raw = await openRawModel(OPTIONS);
    const texts = Array.from({ length: 40 }, (_, i) => `Text number ${i} is ${'long '.repeat(i % 9)}enough.`);
    const tok = tokenize(raw, texts);
    const par = await openParallelRaw(OPTIONS, tok, 2, 8);
    try {
      const a = await par.run();
      const b = await par.run();
      for (const r of [a, b]) {
        expect(r.texts).toBe(texts.length); // every text ran once, in one child or the other
        expect(r.batchSize).toBe(8);
        expect(r.seconds).toBeGreaterThan(0);
        expect(r.textsPerSecond).toBeCloseTo(texts.length / r.seconds, 6);
      }
    } finally {
      par.close();
    }
    // The same computation as one session on the same batches.
    expect((await runRaw(raw, tok, 8)).vectors).toHaveLength(texts.length);
  });
});

describe('kept scale rows', () => {
  const row = (vectors: number, buildSeconds: number, indexMb: number): ScaleRow => ({
    vectors, dim: 384, buildSeconds, insertsPerSecond: vectors / buildSeconds, vectorsMb: 1, indexMb, bytesPerVector: 1,
    query: { n: 1, mean: 1, p50: 1, p95: 1, p99: 1, max: 1 }, recallAt10: 1, queries: 1, efSearch: 64,
  });

  it('are saved per size and read back; a missing or damaged one reads as none', () => {
    const dir = tempDir();
    saveScaleRow(dir, row(1_000_000, 2000, 1600));
    expect(loadScaleRow(dir, 1_000_000)?.buildSeconds).toBe(2000);
    expect(loadScaleRow(dir, 100_000)).toBeUndefined();
  });

  it('state how build time and memory grow between sizes', () => {
    const lines = scaleGrowth([row(100_000, 100, 160), row(10_000, 4, 16)]);
    expect(lines.join('\n')).toMatch(/From 10,000 to 100,000 vectors: build time × 25\.0 \(n\^1\.40\), index memory × 10\.0 \(n\^1\.00\)/);
  });
});
