/**
 * Answer → terminal text, as a person reads it: each quote, then where it comes from.
 */
import type { Answer, Citation } from '../types.js';

/**
 * One line naming a source: title, publisher, date, then the URL or file.
 *
 * @example
 * describeSource(quote.source); // 'IS push could take years: Kerry — DW, 2014-12-03 — https://p.dw.com/p/1Dycg'
 */
export function describeSource(c: Citation): string {
  const who = [c.publisher, c.date].filter(Boolean).join(', ');
  return [c.title, who, c.url ?? c.file].filter(Boolean).join(' — ');
}

/**
 * Renders an answer for a terminal, optionally with ANSI colour.
 *
 * @example
 * console.log(renderAnswer(await engine.answer('Who is the Pentagon spokesman?'), { color: process.stdout.isTTY }));
 */
export function renderAnswer(answer: Answer, options: { color?: boolean } = {}): string {
  const dim = (s: string) => (options.color ? `\x1b[2m${s}\x1b[0m` : s);
  const bold = (s: string) => (options.color ? `\x1b[1m${s}\x1b[0m` : s);
  const lines: string[] = [];
  if (answer.notice) lines.push(answer.notice, '');
  answer.quotes.forEach((q, i) => {
    lines.push(bold(`[${i + 1}]`) + ' ' + q.text.split('\n').join('\n    '));
    lines.push(dim(`    — ${describeSource(q.source)}`));
    for (const also of q.alsoQuotes) {
      lines.push(dim(`    also reported by ${describeSource(also.source)}:`));
      lines.push(`      “${also.text}”`);
    }
    lines.push('');
  });
  lines.push(dim(`(${answer.ms.toFixed(0)} ms)`));
  return lines.join('\n');
}
