/**
 * HTML pages → the article's text plus what the page's markup says about it. Readability (the engine
 * of Firefox's reader view) finds the article among navigation, ads and footers; we turn its DOM into
 * plain paragraphs ourselves so that block boundaries become blank lines and `<br>` becomes a line
 * break (its `textContent` would run paragraphs together).
 */
import { Readability } from '@mozilla/readability';
import { JSDOM } from 'jsdom';
import { normalizeSpaces } from './clean.js';
import { parseDate } from './dates.js';

export interface HtmlArticle {
  /** Paragraphs separated by blank lines; still to be cleaned (Readability leaves some furniture). */
  text: string;
  title: string | null;
  byline: string | null;
  publisher: string | null;
  date: string | null;
  url: string | null;
}

const BLOCK = new Set([
  'ADDRESS', 'ARTICLE', 'ASIDE', 'BLOCKQUOTE', 'DD', 'DIV', 'DL', 'DT', 'FIELDSET', 'FIGURE', 'FOOTER', 'FORM', 'H1', 'H2', 'H3',
  'H4', 'H5', 'H6', 'HEADER', 'HR', 'LI', 'MAIN', 'NAV', 'OL', 'P', 'PRE', 'SECTION', 'TABLE', 'TBODY', 'THEAD', 'TR', 'TD', 'TH', 'UL',
]);
/** Never article text. Figure captions are dropped here because the markup says for certain they are captions. */
const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SVG', 'BUTTON', 'FORM', 'NAV', 'FIGCAPTION', 'IFRAME', 'SELECT', 'TEXTAREA', 'INPUT']);

/**
 * Extracts an HTML page's article text and metadata.
 *
 * @example
 * const page = htmlToArticle('<html><head><meta property="og:title" content="Kerry speaks"></head>' +
 *   '<body><nav>Home</nav><article><p>Kerry spoke in Brussels on Wednesday about the coalition.</p></article></body></html>');
 * page.title; // 'Kerry speaks'
 * page.text;  // 'Kerry spoke in Brussels on Wednesday about the coalition.'
 */
export function htmlToArticle(html: string, pageUrl?: string): HtmlArticle {
  // No scripts run and no resources load: JSDOM's defaults, kept on purpose for untrusted pages.
  const dom = new JSDOM(html, pageUrl ? { url: pageUrl } : {});
  const doc = dom.window.document;
  try {
    // Read the head before Readability, which rewrites the document it is given.
    const meta = (selector: string, attr = 'content') => normalizeOrNull(doc.querySelector(selector)?.getAttribute(attr));
    const ogTitle = meta('meta[property="og:title"]') ?? meta('meta[name="twitter:title"]');
    const siteName = meta('meta[property="og:site_name"]') ?? meta('meta[name="application-name"]');
    const published =
      meta('meta[property="article:published_time"]') ??
      meta('meta[name="date"]') ??
      meta('meta[itemprop="datePublished"]') ??
      meta('time[datetime]', 'datetime');
    const url = meta('link[rel="canonical"]', 'href') ?? meta('meta[property="og:url"]');
    const author = meta('meta[name="author"]');
    const h1 = normalizeOrNull(doc.querySelector('h1')?.textContent);

    const parsed = new Readability(doc.cloneNode(true) as Document, { serializer: (node: Node) => node }).parse();
    let text = parsed?.content ? blocksToText(parsed.content as unknown as Node) : '';
    if (!text.trim()) {
      // Not recognized as an article: fall back to the body's paragraphs, minus obvious chrome.
      for (const el of doc.querySelectorAll('nav, header, footer, aside')) el.remove();
      text = doc.body ? blocksToText(doc.body) : '';
    }
    return {
      text,
      title: ogTitle ?? h1 ?? normalizeOrNull(parsed?.title) ?? normalizeOrNull(doc.title),
      byline: normalizeOrNull(parsed?.byline) ?? author,
      publisher: siteName ?? normalizeOrNull(parsed?.siteName),
      date: (published && parseDate(published)) || (parsed?.publishedTime ? parseDate(parsed.publishedTime) : null),
      url: url && /^https?:\/\//i.test(url) ? url : null,
    };
  } finally {
    dom.window.close();
  }
}

function normalizeOrNull(s: string | null | undefined): string | null {
  const t = s == null ? '' : normalizeSpaces(s);
  return t === '' ? null : t;
}

/** Walks a DOM subtree and returns its text as paragraphs (blocks) separated by blank lines. */
function blocksToText(root: Node): string {
  const paragraphs: string[] = [];
  let current = '';
  const flush = () => {
    const lines = current.split('\n').map((l) => normalizeSpaces(l)).filter(Boolean);
    if (lines.length) paragraphs.push(lines.join('\n'));
    current = '';
  };
  const walk = (node: Node) => {
    if (node.nodeType === 3 /* text */) {
      current += node.nodeValue ?? '';
      return;
    }
    if (node.nodeType !== 1 /* element */) return;
    const el = node as Element;
    if (SKIP.has(el.tagName) || el.getAttribute('hidden') !== null || el.getAttribute('aria-hidden') === 'true') return;
    if (el.tagName === 'BR') {
      current += '\n';
      return;
    }
    const block = BLOCK.has(el.tagName);
    if (block) flush();
    for (const child of Array.from(el.childNodes)) walk(child);
    if (block) flush();
  };
  walk(root);
  flush();
  return paragraphs.join('\n\n');
}
