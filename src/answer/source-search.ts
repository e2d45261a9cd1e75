/**
 * Ranking sources for `/source` autocomplete: id and title prefixes first, then word prefixes,
 * substrings, and finally fuzzy matches (letters in order, or one typo per word).
 */
import type { SourceInfo } from './api.js';

export interface RankedSource {
  source: SourceInfo;
  score: number;
}

const fold = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/** Levenshtein distance, stopping early above `max`. */
function withinEdits(a: string, b: string, max: number): boolean {
  if (Math.abs(a.length - b.length) > max) return false;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      best = Math.min(best, cur[j]);
    }
    if (best > max) return false;
    prev = cur;
  }
  return prev[b.length] <= max;
}

/** Whether the letters of `q` appear in order in `t`. */
function isSubsequence(q: string, t: string): boolean {
  let i = 0;
  for (const ch of t) if (ch === q[i]) i++;
  return i === q.length;
}

/**
 * Scores one source against a query (0 = no match).
 *
 * @example
 * scoreSource(source, 'kerry coal'); // 60 (every word is a prefix of a title word)
 */
export function scoreSource(source: SourceInfo, query: string): number {
  const q = fold(query);
  if (!q) return 1;
  const id = source.id.toLowerCase();
  const rawQ = query.trim().toLowerCase();
  if (id === rawQ) return 100;
  if (id.startsWith(rawQ)) return 95;
  const t = fold(source.title || source.file);
  if (t.startsWith(q)) return 90;
  const words = t.split(' ');
  if (words.some((w) => w.startsWith(q))) return 80;
  if (t.includes(q)) return 70;
  const qWords = q.split(' ');
  if (qWords.every((qw) => words.some((w) => w.startsWith(qw)))) return 60;
  const pub = fold(source.publisher ?? '');
  if (pub && (pub.startsWith(q) || qWords.every((qw) => words.some((w) => w.startsWith(qw)) || pub.includes(qw)))) return 50;
  if (qWords.every((qw) => qw.length < 4 || words.some((w) => withinEdits(qw, w.slice(0, qw.length + 1), qw.length > 6 ? 2 : 1)))) {
    if (qWords.some((qw) => qw.length >= 4)) return 40;
  }
  if (q.replace(/ /g, '').length >= 3 && isSubsequence(q.replace(/ /g, ''), t.replace(/ /g, ''))) return 20;
  return 0;
}

/**
 * The best matches for what the user typed, best first, ties in corpus order.
 *
 * @example
 * rankSources(engine.sources(), 'iran').slice(0, 25).map((r) => r.source.title);
 */
export function rankSources(sources: SourceInfo[], query: string, limit = 25): RankedSource[] {
  return sources
    .map((source, i) => ({ source, score: scoreSource(source, query), i }))
    .filter((r) => r.score > 0)
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, limit)
    .map(({ source, score }) => ({ source, score }));
}
