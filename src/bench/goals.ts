/**
 * The goals, checked against measured figures: one row per goal with a pass/fail mark.
 */

export interface Goal {
  name: string;
  /** Human form, e.g. `≤ 10 ms`. */
  goal: string;
  measured: number | null;
  unit: string;
  pass: boolean | null;
}

/**
 * One goal row: `at most` or `at least` a target; a missing measurement passes nothing.
 *
 * @example
 * goal('query p50', 4.2, 'ms', { atMost: 10 }); // { name: 'query p50', goal: '≤ 10 ms', measured: 4.2, unit: 'ms', pass: true }
 */
export function goal(name: string, measured: number | null | undefined, unit: string, target: { atMost?: number; atLeast?: number }): Goal {
  const m = measured === undefined || measured === null || Number.isNaN(measured) ? null : measured;
  if (target.atMost !== undefined) {
    return { name, goal: `≤ ${target.atMost}${unit ? ' ' + unit : ''}`, measured: m, unit, pass: m === null ? null : m <= target.atMost };
  }
  const t = target.atLeast ?? 0;
  return { name, goal: `≥ ${t}${unit ? ' ' + unit : ''}`, measured: m, unit, pass: m === null ? null : m >= t };
}

/**
 * A pass/fail mark for Markdown.
 *
 * @example
 * mark(true); // '✅'
 */
export function mark(pass: boolean | null): string {
  return pass === null ? '—' : pass ? '✅' : '❌';
}
