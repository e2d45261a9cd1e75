import { describe, expect, it } from 'vitest';
import { evenSample } from '../../src/bench/corpus.js';
import { goal } from '../../src/bench/goals.js';
import { exactTopK, flatten, recallAtK } from '../../src/bench/recall.js';
import { extrapolate } from '../../src/bench/scale.js';
import { percentile, roundDeep, summarize } from '../../src/bench/stats.js';
import { barChartSvg, escapeXml } from '../../src/bench/svg.js';
import { mulberry32, syntheticQueries, syntheticVectors } from '../../src/bench/synthetic.js';
import { paddingShare } from '../../src/bench/throughput.js';

describe('percentiles', () => {
  it('interpolates between the closest ranks', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([4, 1, 3, 2], 0)).toBe(1);
    expect(percentile([4, 1, 3, 2], 100)).toBe(4);
    expect(percentile([5], 99)).toBe(5);
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('summarizes a sample', () => {
    const s = summarize([1, 2, 3, 4, 100]);
    expect(s).toMatchObject({ n: 5, mean: 22, p50: 3, max: 100 });
    expect(s.p95).toBeCloseTo(80.8, 6);
    expect(s.p99).toBeCloseTo(96.16, 6);
    const hundred = summarize(Array.from({ length: 101 }, (_, i) => i));
    expect([hundred.p50, hundred.p95, hundred.p99]).toEqual([50, 95, 99]);
  });

  it('rounds nested figures for the JSON report', () => {
    expect(roundDeep({ a: 1.23456, b: [2.71828], c: 'x', d: NaN }, 2)).toEqual({ a: 1.23, b: [2.72], c: 'x', d: NaN });
  });
});

describe('recall', () => {
  it('finds the exact top k by dot product', () => {
    const flat = new Float32Array([1, 0, 0, 1, 0.6, 0.8, -1, 0]);
    expect(exactTopK(flat, 2, new Float32Array([1, 0]), 2)).toEqual([0, 2]);
    expect(exactTopK(flat, 2, new Float32Array([0, 1]), 3)).toEqual([1, 2, 0]);
    expect(exactTopK(flat, 2, new Float32Array([0, 1]), 10)).toHaveLength(4);
  });

  it('computes recall@k as the mean share of the true neighbours found', () => {
    expect(recallAtK([[1, 2, 3]], [[1, 2, 4]], 3)).toBeCloseTo(2 / 3, 10);
    expect(recallAtK([[1, 2], [5, 6]], [[1, 2], [6, 5]], 2)).toBe(1);
    expect(recallAtK([[9, 8], [5, 6]], [[1, 2], [5, 6]], 2)).toBe(0.5);
    // Only the first k of each list count.
    expect(recallAtK([[1, 7, 2]], [[1, 2, 7]], 2)).toBe(0.5);
    expect(() => recallAtK([[1]], [], 1)).toThrow();
  });

  it('agrees with itself on synthetic data: exact search has recall 1', () => {
    const data = syntheticVectors(300, 16, { seed: 3 });
    const flat = flatten(data, 16);
    const queries = syntheticQueries(10, 16, { seed: 3 }, 300);
    const exact = queries.map((q) => exactTopK(flat, 16, q, 10));
    expect(recallAtK(exact, exact, 10)).toBe(1);
  });
});

describe('synthetic vectors', () => {
  it('are deterministic for a seed and of unit length', () => {
    expect(mulberry32(42)()).toBe(mulberry32(42)());
    const a = syntheticVectors(5, 384, { seed: 7 });
    const b = syntheticVectors(5, 384, { seed: 7 });
    expect(Array.from(a[4])).toEqual(Array.from(b[4]));
    for (const v of a) expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    expect(Array.from(syntheticVectors(1, 8, { seed: 8 })[0])).not.toEqual(Array.from(syntheticVectors(1, 8, { seed: 9 })[0]));
  });
});

describe('helpers', () => {
  it('samples evenly', () => {
    expect(evenSample([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 3)).toEqual([0, 3, 6]);
    expect(evenSample([1, 2], 5)).toEqual([1, 2]);
  });

  it('measures padding of a batching order', () => {
    expect(paddingShare([2, 4], [0, 1], 2)).toBe(0.25);
    expect(paddingShare([2, 4], [0, 1], 1)).toBe(0);
  });

  it('checks goals in both directions', () => {
    expect(goal('p50', 4, 'ms', { atMost: 10 }).pass).toBe(true);
    expect(goal('recall', 0.98, '', { atLeast: 0.99 }).pass).toBe(false);
    expect(goal('rss', null, 'MB', { atMost: 400 }).pass).toBeNull();
  });

  it('extrapolates memory linearly and time with the measured exponent', () => {
    const e = extrapolate({ vectors: 10_000, buildSeconds: 1, indexMb: 17, vectorsMb: 15 }, { vectors: 100_000, buildSeconds: 12, indexMb: 170, vectorsMb: 150 }, 1_000_000);
    expect(e.indexMb).toBeCloseTo(1700, 6);
    expect(e.exponent).toBeCloseTo(Math.log10(12), 6);
    expect(e.buildSeconds).toBeCloseTo(144, 6);
  });
});

describe('SVG bar chart', () => {
  const chart = {
    title: 'Latency <ms> & more',
    unit: 'ms',
    series: ['p50', 'p95', 'p99'],
    groups: [
      { label: 'engine', values: [4, 7, 12] },
      { label: 'naive', values: [180, 240, 300] },
    ],
  };

  it('writes a standalone SVG with one bar per value and escaped text', () => {
    const svg = barChartSvg(chart);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<rect [^>]*fill="#(4e79a7|f28e2b|e15759)"><title>/g)).toHaveLength(6);
    expect(svg).toContain('Latency &lt;ms&gt; &amp; more');
    expect(svg).not.toContain('NaN');
  });

  it('switches to a log axis when values span orders of magnitude', () => {
    expect(barChartSvg(chart)).toContain('(log scale)');
    expect(barChartSvg({ ...chart, groups: [chart.groups[0]] })).not.toContain('(log scale)');
  });

  it('escapes XML', () => {
    expect(escapeXml(`a<b>&"'`)).toBe('a&lt;b&gt;&amp;&quot;&#39;');
  });
});
