/**
 * Citation metadata (title, publisher, date, URL) inferred from a cleaned page, for files that come
 * without any. Given values (sidecar `metadata.json`, front matter, HTML meta tags) always win; the
 * inference only fills what is missing, and says `null` rather than guessing when a page does not
 * tell.
 */
import path from 'node:path';
import { joinKept, isHeadlineLike, normalizeSpaces, type ClassifiedLine, type Cleaned } from './clean.js';
import { findDate, parseDate } from './dates.js';

export interface Metadata {
  title: string | null;
  publisher: string | null;
  date: string | null;
  url: string | null;
}

export type TitleSource = 'given' | 'headline' | 'first-sentence' | 'file-name';

export interface Inferred {
  title: string;
  titleSource: TitleSource;
  publisher: string | null;
  date: string | null;
  url: string | null;
  /** The cleaned text without its headline line(s): a headline is a title, not a quotable sentence. */
  text: string;
}

export interface InferOptions {
  /** The file's name, the title of last resort. */
  fileName: string;
  /** Values known from elsewhere; they override inferred ones. `undefined` means "not given". */
  given?: Partial<Metadata>;
  /**
   * Treat a headline-like first line as the headline and take it out of the text (plain-text pages,
   * where the headline is just the first line). When false, the first line goes only if it equals the
   * given title (HTML, where the title comes from the page's markup).
   */
  firstLineIsHeadline?: boolean;
}

/** Title of last resort, in words, when a page has no headline line. */
const FALLBACK_TITLE_WORDS = 12;

/** News sites whose host name alone names the outlet. Unknown hosts fall back to their domain. */
const KNOWN_HOSTS: Record<string, string> = {
  'dw.com': 'DW',
  'rferl.org': 'RFE/RL',
  'voanews.com': 'Voice of America',
  'euronews.com': 'Euronews',
  'reuters.com': 'Reuters',
  'bbc.co.uk': 'BBC',
  'bbc.com': 'BBC',
  'apnews.com': 'AP',
  'afp.com': 'AFP',
  'aljazeera.com': 'Al Jazeera',
  'theguardian.com': 'The Guardian',
  'nytimes.com': 'The New York Times',
  'washingtonpost.com': 'The Washington Post',
  'cnn.com': 'CNN',
  'npr.org': 'NPR',
  'france24.com': 'France 24',
};

/** Wire agencies that name themselves in datelines: "BRUSSELS (Reuters) -". */
const DATELINE_AGENCY = /^[\p{Lu}][\p{L}\p{N} .,'’-]{1,40}\((Reuters|AP|AFP|Bloomberg|dpa|UPI|Xinhua|EFE|ANSA|Kyodo|Yonhap|IANS|PTI)\)\s*[-–—]/u;

/**
 * Infers the citation fields of a cleaned page and takes its headline out of the text.
 *
 * @example
 * const cleaned = cleanText('Kerry Says Coalition Will Prevail\n\nDecember 3, 2014\n\nKerry spoke in Brussels.');
 * const meta = inferMetadata(cleaned, { fileName: '000.txt', firstLineIsHeadline: true });
 * // meta.title === 'Kerry Says Coalition Will Prevail', meta.date === '2014-12-03',
 * // meta.text === 'Kerry spoke in Brussels.'
 */
export function inferMetadata(cleaned: Cleaned, options: InferOptions): Inferred {
  const given = options.given ?? {};
  const lines = cleaned.lines.map((l) => ({ ...l }));
  const headline = takeHeadline(lines, given.title ?? null, options.firstLineIsHeadline ?? true);
  const text = joinKept(lines);

  let title: string;
  let titleSource: TitleSource;
  if (given.title) {
    title = given.title;
    titleSource = 'given';
  } else if (headline) {
    title = headline;
    titleSource = 'headline';
  } else {
    const sentence = firstSentenceTitle(text);
    title = sentence ?? path.basename(options.fileName).replace(/\.[^.]+$/, '').replace(/[_-]+/g, ' ');
    titleSource = sentence ? 'first-sentence' : 'file-name';
  }

  const url = given.url !== undefined ? given.url : inferUrl(lines);
  return {
    title,
    titleSource,
    publisher: given.publisher !== undefined ? given.publisher : inferPublisher(lines, url),
    date: given.date !== undefined ? given.date : inferDate(lines),
    url,
    text,
  };
}

/**
 * Marks the headline line (and copies of it near the top) as removed; returns it, if any.
 * The headline is the first kept line when it reads like one.
 */
function takeHeadline(lines: ClassifiedLine[], givenTitle: string | null, firstLineIsHeadline: boolean): string | null {
  const texts = lines.filter((l) => l.kind === 'text');
  const first = texts[0];
  if (!first) return null;
  const same = (a: string, b: string) => normalizeSpaces(a).toLowerCase() === normalizeSpaces(b).toLowerCase();
  const isHeadline =
    (firstLineIsHeadline && isHeadlineLike(first.text.replace(/(?:\.\.\.|…)(["'”’]*)$/, '$1'))) || (givenTitle !== null && same(first.text, givenTitle));
  if (!isHeadline) return null;
  // Pages often print the headline twice (page title + article title) with other furniture between.
  for (const l of texts.slice(0, 5)) if (same(l.text, first.text)) l.kind = 'duplicate';
  first.kind = 'duplicate';
  return normalizeSpaces(first.text);
}

/** The first sentence, cut to a dozen words: a readable stand-in for a missing headline. */
function firstSentenceTitle(text: string): string | null {
  const line = text.split('\n').find((l) => l.trim() !== '');
  if (!line) return null;
  const sentence = /^.*?[.!?](?=["'”’)]*\s+["'“‘(]*\p{Lu}|["'”’)]*$)/u.exec(line.trim())?.[0] ?? line.trim();
  const words = sentence.split(/\s+/);
  return words.length <= FALLBACK_TITLE_WORDS ? sentence : `${words.slice(0, FALLBACK_TITLE_WORDS).join(' ')}…`;
}

/** The first bare URL line in the first half of the page (later ones are usually links elsewhere). */
function inferUrl(lines: ClassifiedLine[]): string | null {
  const content = lines.filter((l) => l.kind !== 'blank');
  for (const l of content.slice(0, Math.max(1, Math.ceil(content.length / 2)))) {
    if (l.kind !== 'url') continue;
    const m = /(?:https?:\/\/|www\.)[^\s<>]+/i.exec(l.text);
    if (m) return m[0].startsWith('www.') ? `https://${m[0]}` : m[0];
  }
  return null;
}

/** A date stamp line near the top, else a caption/dateline date in the first few lines. */
function inferDate(lines: ClassifiedLine[]): string | null {
  const content = lines.filter((l) => l.kind !== 'blank');
  const top = content.slice(0, Math.max(1, Math.ceil(content.length / 2)));
  for (const l of top) if (l.kind === 'date') return findDate(l.text)?.iso ?? null;
  for (const l of content.slice(0, 15)) {
    if (/^\W*(?:first |last )?(?:published|updated|posted|date)\b/i.test(l.text)) {
      const d = parseDate(l.text);
      if (d) return d;
    }
  }
  // "…in Rome, June 28, 2021." (photo caption) or "BRUSSELS, Dec. 3, 2014 —" (dateline): a date set
  // off by a comma at the end or the start of one of the first lines is when the story happened.
  for (const l of content.slice(0, 6)) {
    const m = findDate(l.text);
    if (!m) continue;
    const before = l.text.slice(0, m.index);
    const after = l.text.slice(m.index + m.length);
    if (/,\s*$/.test(before) && /^\W*$/.test(after)) return m.iso;
    if (/^[\p{Lu}\s.,'’-]+,\s*$/u.test(before) && /^\s*(?:[-–—(]|$)/.test(after)) return m.iso;
  }
  return null;
}

/**
 * The outlet, from the strongest clue available: an organisation by-line ("By Euronews"), the
 * outlet that signs the footer ("RFE/RL journalists…", "RFE/RL has been declared…"), the page's
 * URL host, a wire dateline ("(Reuters) -"), or Reuters' house credit style ("Additional reporting
 * by … Editing by …").
 */
function inferPublisher(lines: ClassifiedLine[], url: string | null): string | null {
  for (const l of lines) {
    if (l.kind !== 'byline') continue;
    const name = normalizeSpaces(l.text).replace(/^by\s+/i, '').replace(/[\s,;|]+$/, '');
    // Persons have at least two names; a single word or "The …" is an organisation.
    if (/^\S+$/.test(name) || /^the\s/i.test(name)) return name;
  }

  const counts = new Map<string, number>();
  for (const l of lines) {
    if (l.kind !== 'footer') continue;
    const m = /^([\p{Lu}][\p{Lu}\p{Ll}]*[\p{Lu}](?:\/[\p{Lu}]+)?)\b/u.exec(normalizeSpaces(l.text));
    if (m) counts.set(m[1], (counts.get(m[1]) ?? 0) + 1);
  }
  for (const l of lines) {
    const m = /^(?:©|[Cc]opyright\b)\s*(?:©\s*)?(?:\d{4}\s*)?(\p{Lu}[\p{L}&.' -]{1,40}?)\s*(?:\.|[Aa]ll rights|$)/u.exec(normalizeSpaces(l.text));
    if (m && l.kind === 'ui') counts.set(m[1].trim(), (counts.get(m[1].trim()) ?? 0) + 2);
  }
  const signer = [...counts].sort((a, b) => b[1] - a[1]).find(([, n]) => n >= 2);
  if (signer) return signer[0];

  const host = url ? hostOf(url) : null;
  if (host && KNOWN_HOSTS[registrable(host)]) return KNOWN_HOSTS[registrable(host)];

  for (const l of lines.filter((x) => x.kind === 'text').slice(0, 3)) {
    const m = DATELINE_AGENCY.exec(normalizeSpaces(l.text));
    if (m) return m[1];
  }
  if (lines.some((l) => l.kind === 'signoff' && /\bediting by\b/i.test(l.text) && /\b(?:additional reporting|writing|reporting) by\b/i.test(l.text))) {
    return 'Reuters';
  }
  return host ? registrable(host) : null;
}

/**
 * The outlet a URL belongs to, when its host is a known news site.
 *
 * @example
 * publisherFromUrl('https://p.dw.com/p/1Dycg'); // 'DW'
 * publisherFromUrl('https://example.org/x');     // null
 */
export function publisherFromUrl(url: string): string | null {
  const host = hostOf(url);
  return host ? (KNOWN_HOSTS[registrable(host)] ?? null) : null;
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/** "p.dw.com" → "dw.com", "www.bbc.co.uk" → "bbc.co.uk" (two-part public suffixes handled roughly). */
function registrable(host: string): string {
  const parts = host.replace(/^www\./, '').split('.');
  const twoPart = parts.length >= 3 && /^(?:co|com|org|net|gov|ac|edu)$/.test(parts[parts.length - 2]) && parts[parts.length - 1].length === 2;
  return parts.slice(twoPart ? -3 : -2).join('.');
}
