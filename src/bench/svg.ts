/**
 * A small hand-written SVG bar chart (no dependency): groups of bars, one bar per series, with a
 * linear or logarithmic value axis. Used for latency percentiles (p50/p95/p99) of the engine vs the
 * naive peer.
 */

export interface BarGroup {
  label: string;
  /** One value per series, in the order of `BarChart.series`. */
  values: number[];
}

export interface BarChart {
  title: string;
  /** Unit shown on the axis, e.g. `ms`. */
  unit: string;
  series: string[];
  groups: BarGroup[];
  /** Logarithmic axis; default: on when the largest value is over 30× the smallest positive one. */
  log?: boolean;
  width?: number;
  height?: number;
}

const COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948'];

/** Escapes text for SVG content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/**
 * Renders a grouped bar chart as a standalone SVG document.
 *
 * @example
 * const svg = barChartSvg({
 *   title: 'Query latency', unit: 'ms', series: ['p50', 'p95', 'p99'],
 *   groups: [{ label: 'hybrid', values: [4, 7, 12] }, { label: 'naive', values: [180, 240, 300] }],
 * });
 * fs.writeFileSync('reports/bench.svg', svg);
 */
export function barChartSvg(chart: BarChart): string {
  const width = chart.width ?? 640;
  const height = chart.height ?? 360;
  const m = { top: 40, right: 20, bottom: 60, left: 64 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const values = chart.groups.flatMap((g) => g.values).filter((v) => Number.isFinite(v) && v >= 0);
  const positive = values.filter((v) => v > 0);
  const maxV = values.length ? Math.max(...values) : 1;
  const minPos = positive.length ? Math.min(...positive) : 1;
  const log = chart.log ?? (positive.length > 0 && maxV / minPos > 30);

  // Axis: linear from 0 to a round top, or log over whole decades.
  let ticks: number[];
  let y: (v: number) => number;
  if (log) {
    const lo = Math.floor(Math.log10(minPos));
    const hi = Math.max(lo + 1, Math.ceil(Math.log10(maxV)));
    ticks = Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
    y = (v) => m.top + plotH - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * plotH;
  } else {
    const top = niceCeil(maxV || 1);
    ticks = Array.from({ length: 6 }, (_, i) => (top * i) / 5);
    y = (v) => m.top + plotH - (v / top) * plotH;
  }

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  out.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(chart.title)}</text>`);
  for (const t of ticks) {
    const ty = y(t).toFixed(1);
    out.push(`<line x1="${m.left}" y1="${ty}" x2="${width - m.right}" y2="${ty}" stroke="#ddd"/>`);
    out.push(`<text x="${m.left - 6}" y="${ty}" text-anchor="end" dominant-baseline="middle">${escapeXml(formatTick(t))}</text>`);
  }
  out.push(
    `<text x="16" y="${m.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 16 ${m.top + plotH / 2})">${escapeXml(chart.unit)}${log ? ' (log scale)' : ''}</text>`,
  );
  out.push(`<line x1="${m.left}" y1="${m.top + plotH}" x2="${width - m.right}" y2="${m.top + plotH}" stroke="#333"/>`);

  const groupW = chart.groups.length ? plotW / chart.groups.length : plotW;
  const barW = (groupW * 0.75) / Math.max(1, chart.series.length);
  chart.groups.forEach((g, gi) => {
    const gx = m.left + gi * groupW + groupW * 0.125;
    g.values.forEach((v, si) => {
      if (!Number.isFinite(v)) return;
      const x = gx + si * barW;
      const top = y(v);
      const h = m.top + plotH - top;
      out.push(`<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${Math.max(0, h).toFixed(1)}" fill="${COLORS[si % COLORS.length]}"><title>${escapeXml(`${g.label} ${chart.series[si]}: ${formatTick(v)} ${chart.unit}`)}</title></rect>`);
      out.push(`<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(top - 4).toFixed(1)}" text-anchor="middle" font-size="10">${escapeXml(formatTick(v))}</text>`);
    });
    out.push(`<text x="${(m.left + gi * groupW + groupW / 2).toFixed(1)}" y="${m.top + plotH + 18}" text-anchor="middle">${escapeXml(g.label)}</text>`);
  });
  // Legend.
  chart.series.forEach((s, si) => {
    const lx = m.left + si * 90;
    const ly = height - 18;
    out.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${COLORS[si % COLORS.length]}"/>`);
    out.push(`<text x="${lx + 16}" y="${ly}">${escapeXml(s)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const f of [1, 2, 2.5, 5, 10]) if (f * p >= v) return f * p;
  return 10 * p;
}

function formatTick(v: number): string {
  if (v === 0) return '0';
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1).replace(/\.0$/, '');
  if (v >= 1) return v.toFixed(2).replace(/\.?0+$/, '');
  return String(Number(v.toPrecision(2)));
}
