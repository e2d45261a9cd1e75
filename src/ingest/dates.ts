/**
 * Dates as news pages write them ("December 3, 2014", "Dec. 3, 2014", "3 December 2014",
 * "2014-12-03") → ISO `YYYY-MM-DD`. Only full dates with a year count: "on December 3" alone cannot
 * be placed in time, and guessing the year would invent metadata.
 */

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, sept: 9, oct: 10, nov: 11, dec: 12,
};
const MONTH = '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const DAY = '(\\d{1,2})(?:st|nd|rd|th)?';

// Each pattern captures (year, month, day) in a different order; `order` says which group is which.
const PATTERNS: { re: RegExp; order: [number, number, number] }[] = [
  { re: /\b(\d{4})-(\d{2})-(\d{2})(?![\d])/, order: [1, 2, 3] },
  { re: new RegExp(`\\b${MONTH}\\.?\\s+${DAY},?\\s+(\\d{4})\\b`, 'i'), order: [3, 1, 2] },
  { re: new RegExp(`\\b${DAY}\\s+${MONTH}\\.?,?\\s+(\\d{4})\\b`, 'i'), order: [3, 2, 1] },
];

export interface DateMatch {
  iso: string;
  /** Where the date was found in the input. */
  index: number;
  length: number;
}

/**
 * Finds the first full date (day, month and year) in a string.
 *
 * @example
 * findDate('Posted on December 3, 2014 at 10:00'); // { iso: '2014-12-03', index: 10, length: 16 }
 * findDate('on December 3');                       // null: no year
 */
export function findDate(s: string): DateMatch | null {
  let best: DateMatch | null = null;
  for (const { re, order } of PATTERNS) {
    const m = re.exec(s);
    if (!m) continue;
    const year = Number(m[order[0]]);
    const monthRaw = m[order[1]];
    const month = /^\d+$/.test(monthRaw) ? Number(monthRaw) : MONTHS[monthRaw.slice(0, monthRaw.toLowerCase().startsWith('sept') ? 4 : 3).toLowerCase()];
    const day = Number(m[order[2]]);
    const iso = toIso(year, month, day);
    if (iso && (!best || m.index < best.index)) best = { iso, index: m.index, length: m[0].length };
  }
  return best;
}

/**
 * Parses a date written in any supported form; null when there is no full date in it.
 *
 * @example
 * parseDate('June 28, 2021'); // '2021-06-28'
 * parseDate(new Date('2014-12-03T10:00:00Z')); // '2014-12-03'
 */
export function parseDate(value: string | Date): string | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString().slice(0, 10);
  return findDate(value)?.iso ?? null;
}

/**
 * True when a line says nothing but a date: a page's date stamp, not reporting. Labels ("Updated"),
 * weekdays, times and time zones may surround it.
 *
 * @example
 * isDateLine('December 3, 2014');                        // true
 * isDateLine('Updated: Wed 3 Dec 2014, 10:45 GMT');       // true
 * isDateLine('The talks began on December 3, 2014.');    // false
 */
export function isDateLine(line: string): boolean {
  const m = findDate(line);
  if (!m) return false;
  const rest = (line.slice(0, m.index) + ' ' + line.slice(m.index + m.length))
    .toLowerCase()
    .replace(/\b\d{1,2}[:.]\d{2}(:\d{2})?\b/g, ' ')
    .replace(/[\s\p{P}\p{S}]+/gu, ' ')
    .replace(/\b(first|last|published|updated|posted|modified|date|dated|on|at|am|pm|a m|p m)\b/g, ' ')
    .replace(/\b(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(day|nesday|rsday|urday)?\b/g, ' ')
    .replace(/\b(gmt|utc|bst|cet|cest|est|edt|pst|pdt|cst|cdt|msk)(\s?\d{1,2})?\b/g, ' ')
    .trim();
  return rest === '';
}

function toIso(year: number, month: number | undefined, day: number): string | null {
  if (!month || month < 1 || month > 12 || day < 1 || day > 31 || year < 1800 || year > 2200) return null;
  const d = new Date(Date.UTC(year, month - 1, day));
  // Rejects 31 June and the like, which Date would roll over into the next month.
  if (d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return d.toISOString().slice(0, 10);
}
