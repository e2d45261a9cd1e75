/**
 * Boilerplate removal: what a scraper copies from a news page besides the article — navigation,
 * banners, media-player residue, share buttons, ads, image credits, related-article lists, outlet
 * footers and sign-offs. None of it may ever be quoted as if the outlet had reported it.
 *
 * The rules are general (patterns of page furniture seen across outlets, plus position: top of the
 * page, after a "related" heading, after the sign-off) rather than a list of the seed files' lines.
 * Each line gets a kind; metadata inference reads the kinds too (the date line, the URL line, the
 * by-line), so a line is classified once and both stages agree on it.
 *
 * Deliberate choices:
 * - "WATCH:"/"VIDEO:" captions are dropped: they describe a video the reader of a quote cannot see,
 *   and the facts in them are restated by the reporting (seed 000: "Arab acronym Daesh" ↔ "Arabic acronym").
 * - A line repeated right after itself (an image's alt text followed by its caption, a headline
 *   printed twice) is kept once: in plain text a caption cannot be told from a one-line paragraph
 *   with certainty, and keeping a true sentence is the safer error.
 * - Short subheadings between two prose paragraphs ("STRATEGY SOUGHT", "Vatican visit") are dropped:
 *   they are not sentences, and quoted alone they answer nothing. Lists (lines next to each other
 *   with no sentence punctuation: fixtures, rankings) are kept, since they carry facts.
 */

import { isDateLine } from './dates.js';

/** Bump whenever the rules (or anything else that changes an article's text) change: it feeds the content hash. */
export const CLEANER_VERSION = 'ingest-1';

/** What a line of a scraped page is. Only `text` survives cleaning. */
export type LineKind =
  | 'text'
  | 'blank'
  | 'nav' // accessibility / skip links, menus
  | 'ui' // buttons and labels: share, comments, close, copyright, breaking-news banner, ads
  | 'media' // player residue, timecodes, "WATCH:" captions, the player's title
  | 'url' // a bare URL
  | 'image' // image credits, placeholders, captions attached to a credit
  | 'rule' // rulers and lines with no letters or digits
  | 'byline' // "By Euronews"
  | 'signoff' // "With reporting by…", "jr/ksb (dpa, AP)", "Editing by…"
  | 'date' // a line that is only a date stamp
  | 'related' // "You might also like" and the headlines under it
  | 'footer' // everything after the sign-off; outlet notices at the end
  | 'subheading'
  | 'duplicate';

export interface ClassifiedLine {
  /** The line with surrounding white space removed. */
  text: string;
  kind: LineKind;
  /** Index of the paragraph (block of lines between blank lines) the line belongs to. */
  paragraph: number;
}

export interface Cleaned {
  /** Kept lines; paragraphs separated by exactly one blank line. */
  text: string;
  /** Every line of the input with its kind, for metadata inference and debugging. */
  lines: ClassifiedLine[];
}

// ---------- line-level helpers ----------

/**
 * Folds every Unicode space (NBSP, thin space…) into one ASCII space and trims: scraped pages are
 * full of them, and rules must match "By\u00a0Euronews" like "By Euronews".
 *
 * @example
 * normalizeSpaces(' By\u00a0 Euronews '); // 'By Euronews'
 */
export function normalizeSpaces(s: string): string {
  return s.replace(/[\s\u00a0\u2000-\u200b\u202f\u205f\u3000]+/g, ' ').trim();
}

/** Removes a leading list marker ("1.", "•", "-", "»"): nav menus are often numbered or bulleted. */
function stripMarker(s: string): string {
  return s.replace(/^(?:\d{1,3}[.)]|[•·*▪►»›>–—-])\s+/, '').replace(/^[•·▪►]\s*/, '');
}

function wordCount(s: string): number {
  return s.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
}

/**
 * Ends like a sentence: . ! ? … possibly followed by closing quotes or brackets.
 *
 * @example
 * endsSentence('He said it was "positive."'); // true
 * endsSentence('Breaking News');              // false
 */
export function endsSentence(s: string): boolean {
  return /[.!?…]["'”’»)\]]*$/.test(s.trim());
}

/** A full prose line: several words ending like a sentence (or leading into a quote with a colon). */
function isProse(s: string): boolean {
  return wordCount(s) >= 6 && (endsSentence(s) || /:$/.test(s));
}

/**
 * A line that reads like a headline: short, starts with a capital, digit or quote, and does not end
 * like a sentence or a clause (a question mark is allowed: "Did Iran really raid ISIL targets?").
 *
 * @example
 * isHeadlineLike('Kerry Says Coalition Against IS Militants Will Prevail'); // true
 * isHeadlineLike('The talks at NATO headquarters are focused on strategy.'); // false
 */
export function isHeadlineLike(s: string, maxWords = 20): boolean {
  const t = normalizeSpaces(s);
  const words = wordCount(t);
  if (words === 0 || words > maxWords) return false;
  if (/[.,;:…]["'”’»)\]]*$/.test(t)) return false;
  // Capital, digit, quote or currency first; lower case only for brand names like "iTunes", "eBay".
  return /^(?:["'“‘(\p{Lu}\p{N}\p{Sc}&#]|\p{Ll}\p{Lu})/u.test(t);
}

// Vocabulary of page furniture. Matched against a short line (≤ 8 words, no sentence ending) with its
// list marker removed and lower-cased, so "1. Skip to content" and "SHARE" both match.
const NAV = /^(?:(?:skip|jump) to\b.*|go to (?:the )?(?:main|top|content|navigation|menu|home|homepage|search)\b.*|accessibility(?: links| help| statement)?|main (?:menu|navigation)|(?:site )?navigation|menu|search|home(?:page)?|back to top|sections?|all sections)$/;
const UI = new RegExp(
  '^(?:' +
    [
      'breaking(?: news)?', 'live(?: now| updates| blog)?', 'developing(?: story)?', 'just in', 'exclusive', 'updated', 'new',
      // share / comment / UI buttons, possibly glued together by the scraper ("Share this articleComments")
      'share(?: this| on| via| to| with| article| story| page| link| by).*', 'share', 'shares', 'tweet', 'e-?mail', 'print', 'pin',
      'comments?(?: \\(\\d+\\))?', '\\d+ comments?', 'reply', 'like', 'save', 'saved', 'bookmark', 'copy(?: link)?', 'link copied',
      'close(?: button| menu)?', 'open', 'next', 'previous', 'prev', '(?:show|read|see|load|view) more', 'more', 'expand', 'collapse',
      'sign in', 'log ?in', 'log ?out', 'sign up', 'register', 'subscribe(?: now| here| today)?', 'newsletters?', 'donate',
      'support us', 'contact(?: us)?', 'feedback', 'cookies?(?: settings| policy)?', 'accept(?: all)?(?: cookies)?',
      'manage (?:cookies|preferences|consent)', 'follow(?: us)?(?: on .*)?', 'listen(?: to this article)?', 'font size', 'text size',
      'toggle .*', 'open (?:menu|navigation|search)', 'gift (?:this )?article', 'add to (?:favou?rites|bookmarks)',
      // advertising
      'advertisement', 'advertising', 'advert', 'ads?', 'sponsored(?: content| by .*)?', 'promoted(?: content)?', 'paid (?:content|post)',
      'partner content', 'story continues below(?: advertisement)?', 'continue reading(?: below| the main story)?', 'scroll to continue.*',
      // legal
      '(?:copyright|\\(c\\))(?: ©)?(?: (?:\\d{4}|by|owned|of)\\b.*)?', '©.*', 'all rights reserved',
      // reading time
      '\\d+ ?(?:min|mins|minutes?)(?: read)?',
    ].join('|') +
    ')$',
);
/** A row of social network names is a share bar. */
const SOCIAL = /^(?:(?:facebook|twitter|x|whatsapp|linkedin|telegram|reddit|email|e-mail|messenger|pinterest|vk|flipboard|threads|bluesky|mastodon|print|copy link|sms)[\s,|/·•]*)+$/;
/** Media-player residue and media labels. */
const MEDIA_LINE =
  /^(?:please wait|loading(?: video| player| audio)?(?:\.\.\.|…)?|no media source (?:currently )?available|media playback is (?:un|not )supported(?: on your device)?|your browser (?:does not|doesn'?t) support .*|this (?:video|audio|content) (?:is|has been) (?:unavailable|removed|not available).*|(?:video|audio) (?:player|unavailable|not available)|play(?:ing)? (?:video|audio|now)|pause|mute|unmute|replay|embed|download|full ?screen|captions?(?: off| on)?|watch (?:again|now|live|more|video)|now playing|up next|next video)$/;
/** "WATCH: …", "VIDEO: …": a caption for embedded media. */
const MEDIA_CAPTION = /^(?:watch|video|videos|listen|audio|podcast|photos?|gallery|in pictures|slideshow)\s*[:|–—]\s*\S/i;
const TIMECODE = /^\d{1,2}(?::\d{2}){1,2}$/;
/** Image credits: "Image: REUTERS/E. Vidal", "Photo credit: AP", "Getty Images". */
const IMAGE_CREDIT =
  /^(?:(?:image|images|photo|photos|picture|pictures|photograph|foto|bild|pic|credit|illustration)(?: (?:credit|source|copyright|courtesy))?\s*[:：]\s*\S|(?:image|media|picture|video) (?:caption|copyright|source)\b|(?:photo|image) courtesy\b)/i;
/** A line that starts with a photo agency credit: "REUTERS/E. Vidal", "AFP via Getty Images", "(AP Photo/…)". */
const AGENCY_CREDIT = /^\(?(?:getty images|ap photo|afp|reuters|epa(?:-efe)?|dpa|shutterstock|alamy|anadolu|xinhua|imago)(?:\s*\/|\s+via\b|\)?$)/i;
const IMAGE_PLACEHOLDER = /^(?:\d+\s*[x×:]\s*\d+\s+)?(?:image|photo|picture|video|graphic|thumbnail)$/i;
/** Headings that introduce lists of other articles. */
const RELATED =
  /^(?:you (?:might|may) (?:also )?(?:like|enjoy|be interested in)|related(?: (?:stories|articles|content|coverage|news|links|topics|reading|videos|posts))?|more (?:stories|news|articles|on this(?: story| topic)?|from [\p{L}\p{N} &'.-]{1,30}|to explore|in [\p{L} ]{1,30}|like this)|read (?:more|next|also)|also read|see also|recommended(?: (?:stories|for you|reading|articles))?|most (?:read|popular|viewed|shared|watched)|trending(?: now| stories| news)?|top stories|what to read next|further reading|editor'?s picks|don'?t miss|around the web|(?:from )?elsewhere on .*|latest (?:news|stories|articles)|other (?:stories|news)|in other news)$/iu;
/** Sign-off and credit lines that close an article. */
const SIGNOFF = [
  /^\(?with (?:additional )?reporting (?:by|from)\b/i,
  /^\(?(?:additional reporting|reporting|writing|editing|compiled|edited|written|produced|translated) by\b/i,
  // Reuters-style credit block: "By A and B Additional reporting by C. Editing by D."
  /^\(?by\b.*\b(?:additional reporting|reporting|writing|editing) by\b/i,
];
/** DW/dpa-style editor initials with the agencies used: "jr/ksb (dpa, AP)". */
const INITIALS_SIGNOFF = /^\(?[a-z]{1,4}(?:\/[a-z]{1,4})+\)?(?:\s*\([^)]{1,60}\))?\.?$/;
/** Outlet notices (about, legal, subscription) that end pages. Only looked for in the final paragraphs. */
const NOTICE =
  /\bclick here\b|\bundesirable organi[sz]ation\b|\ball rights reserved\b|\bterms (?:of|and) (?:use|service)\b|\bprivacy (?:policy|notice)\b|\bcookie (?:policy|settings)\b|\b(?:subscribe|sign up) (?:to|for) our\b|\bour (?:newsletter|content|journalists|website|site|app)\b|\bcontact(?:ing)? us\b|\bfree press\b|\breport the news in \d+/i;
/** Reporting (a quote, an attribution) is never an outlet notice, whatever words it uses. */
const REPORTED = /["“”]|\b(?:said|says|told|added|according to)\b/i;

function looksLikeUrl(s: string): boolean {
  return /^(?:[\p{L} ]{1,20}:\s*)?<?(?:https?:\/\/|www\.)\S+>?$/iu.test(s);
}

function isTimecodeLine(s: string): boolean {
  const tokens = s.split(/\s+/).filter(Boolean);
  const codes = tokens.filter((t) => TIMECODE.test(t)).length;
  const fillers = tokens.filter((t) => /^(?:[/|–—-]|of)$/i.test(t)).length;
  return codes > 0 && codes + fillers >= tokens.length * 0.6 && tokens.length <= 8;
}

/** A pipe- or dot-separated row of short items: a menu or a breadcrumb. */
function isMenuRow(s: string): boolean {
  const parts = s.split(/\s+[|·•»›>/]\s+/);
  return parts.length >= 3 && parts.every((p) => wordCount(p) <= 4) && !endsSentence(s);
}

/** Classifies one line on its own, without looking at its neighbours. */
function classifyAlone(raw: string): LineKind {
  const s = normalizeSpaces(raw);
  if (s === '') return 'blank';
  if (!/[\p{L}\p{N}]/u.test(s)) return 'rule';
  const bare = stripMarker(s);
  const lower = bare.toLowerCase().replace(/[\s:›»|]+$/, '');
  const words = wordCount(bare);
  const short = words <= 8 && !endsSentence(bare);

  if (isTimecodeLine(bare)) return 'media';
  if (looksLikeUrl(bare)) return 'url';
  if (IMAGE_PLACEHOLDER.test(bare)) return 'image';
  if (words <= 12 && IMAGE_CREDIT.test(bare)) return 'image';
  if (short && words <= 6 && AGENCY_CREDIT.test(bare)) return 'image';
  if (MEDIA_LINE.test(lower) && words <= 10) return 'media';
  if (MEDIA_CAPTION.test(bare) && words <= 40) return 'media';
  if (short && RELATED.test(lower)) return 'related';
  if (short && NAV.test(lower)) return 'nav';
  if (short && (UI.test(lower) || SOCIAL.test(lower))) return 'ui';
  if (short && isMenuRow(bare)) return 'nav';
  // "© 2023 Coastal Herald Media. All rights reserved." ends like a sentence but is a legal notice.
  if (words <= 15 && /^(?:©|\(c\)\s*\d{4}|copyright\s+(?:©\s*)?\d{4})/i.test(bare)) return 'ui';
  if (INITIALS_SIGNOFF.test(bare)) return 'signoff';
  if (words <= 60 && isCreditLike(bare) && SIGNOFF.some((re) => re.test(bare))) return 'signoff';
  if (/^by\s/i.test(bare) && words <= 8 && !endsSentence(bare) && isCreditLike(bare)) return 'byline';
  if (words <= 12 && isDateLine(bare)) return 'date';
  return 'text';
}

/** Lower-case words a credit line may contain; any other lower-case word means it is a sentence. */
const CREDIT_WORDS = new Set(
  ('by and with additional reporting editing writing compiled edited written produced translated from in of for ' +
    'the de van von der da di du le la al el bin ibn graphics research photos video dpa epd kna afp').split(' '),
);

/**
 * A credit is names and a few connecting words; any other lower-case word makes it a sentence.
 *
 * @example
 * isCreditLike('By Phil Stewart and Julien Ponthus Additional reporting by Kylie MacLellan'); // true
 * isCreditLike('By Wednesday the talks had ended');                                          // false
 */
export function isCreditLike(s: string): boolean {
  const words = s.split(/[\s,;/()]+/).filter((w) => /\p{L}/u.test(w));
  return words.every((w) => !/^\p{Ll}/u.test(w) || CREDIT_WORDS.has(w.toLowerCase().replace(/[^\p{L}]/gu, '')));
}

// ---------- whole-page rules ----------

/**
 * Classifies every line of a page, using both the line itself and its surroundings.
 *
 * @example
 * classifyLines('Breaking News\n\nKerry spoke in Brussels on Wednesday.').map((l) => l.kind);
 * // ['ui', 'blank', 'text']
 */
export function classifyLines(text: string): ClassifiedLine[] {
  const lines: ClassifiedLine[] = [];
  let paragraph = 0;
  for (const raw of text.split('\n')) {
    const kind = classifyAlone(raw);
    if (kind === 'blank') {
      if (lines.length && lines[lines.length - 1].kind !== 'blank') paragraph++;
    }
    lines.push({ text: normalizeSpaces(raw) === '' ? '' : raw.trim(), kind, paragraph });
  }

  const content = () => lines.map((l, i) => ({ l, i })).filter(({ l }) => l.kind !== 'blank');
  const textIdx = () => lines.map((l, i) => (l.kind === 'text' ? i : -1)).filter((i) => i >= 0);

  // A non-sentence line in the same paragraph right before an image credit is that image's caption
  // or alt text ("Brüssel NATO Hauptquartier…" above "Image: REUTERS/E. Vidal").
  for (let i = 1; i < lines.length; i++) {
    const prev = lines[i - 1];
    if (lines[i].kind === 'image' && prev.kind === 'text' && prev.paragraph === lines[i].paragraph && !endsSentence(prev.text)) {
      prev.kind = 'image';
    }
  }

  // The headline-like line just before player residue is the player's title, unless it is the
  // page's first content line (then it is the page headline and must survive as the title).
  const firstText = textIdx()[0];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].kind !== 'media') continue;
    let j = i - 1;
    while (j >= 0 && lines[j].kind === 'blank') j--;
    if (j >= 0 && j !== firstText && lines[j].kind === 'text' && isHeadlineLike(lines[j].text)) lines[j].kind = 'media';
  }

  // A related-articles heading takes the headline-like lines after it with it, up to the next prose.
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].kind !== 'related') continue;
    for (let j = i + 1; j < lines.length; j++) {
      const l = lines[j];
      if (l.kind === 'blank') continue;
      if (l.kind === 'text' && isProse(l.text) && !/\?["'”’]?$/.test(l.text)) break;
      if (l.kind === 'text' || l.kind === 'date' || l.kind === 'image' || l.kind === 'media') l.kind = 'related';
    }
  }

  // Everything after a closing sign-off ("With reporting by…", "jr/ksb (dpa, AP)") in the second half
  // of the page is footer: outlet notices, image placeholders, "click here".
  const items = content();
  for (let k = Math.floor(items.length / 2); k < items.length; k++) {
    if (items[k].l.kind !== 'signoff') continue;
    for (let m = k + 1; m < items.length; m++) if (items[m].l.kind !== 'signoff') items[m].l.kind = 'footer';
    break;
  }

  // Outlet notices at the very end, walking back until the first real reporting line.
  for (let k = items.length - 1; k >= 0; k--) {
    const l = items[k].l;
    if (l.kind !== 'text') continue;
    if (NOTICE.test(l.text) && !REPORTED.test(l.text)) l.kind = 'footer';
    else break;
  }

  // Consecutive repeats (alt text + caption, a headline printed twice): keep the first.
  let prev: ClassifiedLine | null = null;
  for (const l of lines) {
    if (l.kind !== 'text') continue;
    if (prev && normalizeSpaces(prev.text).toLowerCase() === normalizeSpaces(l.text).toLowerCase()) l.kind = 'duplicate';
    else prev = l;
  }

  // Short subheadings between two prose lines: capitalized, 2–6 words, no punctuation at the end,
  // and the next line starts a sentence (a lower-case start means a sentence broken across lines).
  const kept = textIdx();
  for (let k = 1; k < kept.length - 1; k++) {
    const l = lines[kept[k]];
    const before = lines[kept[k - 1]].text;
    const after = lines[kept[k + 1]].text;
    const words = wordCount(l.text);
    if (
      words >= 2 &&
      words <= 6 &&
      /^[\p{Lu}\p{N}]/u.test(l.text) &&
      !/[.,;:!?…]["'”’)]*$/.test(l.text) &&
      isProse(before) &&
      !/:$/.test(before) &&
      isProse(after) &&
      /^["'“‘(\p{Lu}\p{N}]/u.test(after) &&
      kept[k] !== firstText
    ) {
      l.kind = 'subheading';
    }
  }
  return lines;
}

/**
 * Removes page boilerplate, keeping every reporting line as it is. Paragraphs come out separated by
 * exactly one blank line; lines within a paragraph stay on their own lines.
 *
 * @example
 * cleanText('Accessibility links\n\nKerry spoke.\n\nADVERTISEMENT\n\nHe left.').text;
 * // 'Kerry spoke.\n\nHe left.'
 */
export function cleanText(text: string): Cleaned {
  const lines = classifyLines(text);
  return { text: joinKept(lines), lines };
}

/**
 * Joins the lines still of kind `text` back into paragraphs separated by one blank line.
 *
 * @example
 * joinKept(classifyLines('ADVERTISEMENT\n\nKerry spoke.\nHe left.')); // 'Kerry spoke.\nHe left.'
 */
export function joinKept(lines: ClassifiedLine[]): string {
  const paragraphs: string[][] = [];
  let current = -1;
  for (const l of lines) {
    if (l.kind !== 'text') continue;
    if (l.paragraph !== current) {
      paragraphs.push([]);
      current = l.paragraph;
    }
    paragraphs[paragraphs.length - 1].push(l.text);
  }
  return paragraphs.map((p) => p.join('\n')).join('\n\n');
}
