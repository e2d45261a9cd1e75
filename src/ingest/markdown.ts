/**
 * Markdown files → plain text plus the citation fields of their YAML front matter. Markup is turned
 * into the text a reader sees (links become their words, emphasis markers go), because quotes are
 * shown verbatim and `**` or `[…](…)` in a quote would be noise.
 */
import matter from 'gray-matter';
import { z } from 'zod';
import { IngestError } from './decode.js';
import { parseDate } from './dates.js';
import type { Metadata } from './metadata.js';

export interface MarkdownArticle {
  text: string;
  /** Fields given by the front matter; absent ones are `undefined` (to be inferred). */
  given: Partial<Metadata>;
  /** Front-matter fields that were present but unusable. */
  problems: string[];
}

const field = z.union([z.string(), z.number(), z.date()]).optional();
const frontMatterSchema = z
  .object({ title: field, publisher: field, source: field, site: field, date: field, url: field })
  .passthrough();

/**
 * Splits front matter from the body and converts the body to plain text.
 *
 * @throws {IngestError} when the front matter is not valid YAML.
 * @example
 * const md = markdownToArticle('---\ntitle: Kerry in Brussels\ndate: 2014-12-03\n---\n# Kerry in Brussels\n\nKerry **spoke**.');
 * md.given; // { title: 'Kerry in Brussels', date: '2014-12-03' }
 * md.text;  // 'Kerry in Brussels\n\nKerry spoke.'  (the headline line is removed later, as the title)
 */
export function markdownToArticle(source: string): MarkdownArticle {
  let parsed: matter.GrayMatterFile<string>;
  try {
    // An options object turns off gray-matter's cache, which would hand back one shared result object.
    parsed = matter(source, {});
  } catch (err) {
    throw new IngestError(`invalid YAML front matter: ${(err as Error).message.split('\n')[0]}`);
  }
  const problems: string[] = [];
  const given: Partial<Metadata> = {};
  const fm = frontMatterSchema.safeParse(parsed.data ?? {});
  if (!fm.success) {
    problems.push(`front matter ignored: ${fm.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  } else {
    const d = fm.data;
    const str = (v: unknown) => (v === undefined || v === null ? undefined : String(v instanceof Date ? v.toISOString() : v).trim() || undefined);
    const title = str(d.title);
    if (title) given.title = title;
    const publisher = str(d.publisher) ?? str(d.source) ?? str(d.site);
    if (publisher) given.publisher = publisher;
    if (d.date !== undefined) {
      const iso = d.date instanceof Date ? parseDate(d.date) : parseDate(String(d.date));
      if (iso) given.date = iso;
      else problems.push(`front matter date "${String(d.date)}" is not a full date; ignored`);
    }
    const url = str(d.url);
    if (url && /^https?:\/\/\S+$/i.test(url)) given.url = url;
    else if (url) problems.push(`front matter url "${url}" is not an http(s) URL; ignored`);
  }
  return { text: markdownToText(parsed.content), given, problems };
}

/**
 * Markdown → the text a reader sees. Deliberately small: headings, emphasis, links, images, inline
 * code, block quotes, fences and HTML comments; lists keep their markers (the cleaner reads them).
 *
 * @example
 * markdownToText('## Talks\n\nSee [the report](https://x.org) by *Reuters*.'); // 'Talks\n\nSee the report by Reuters.'
 */
export function markdownToText(md: string): string {
  return md
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/^(?:```|~~~).*$/gm, '')
    .replace(/^(.+)\n(?:=+|-+)[ \t]*$/gm, '$1') // setext headings
    .replace(/^#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$/gm, '$1') // ATX headings
    .replace(/^[ \t]{0,3}>[ \t]?/gm, '') // block quotes
    .replace(/!\[[^\]]*\]\([^)]*\)/g, '') // images
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1') // links
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1') // reference links
    .replace(/^\[[^\]]+\]:\s*\S+.*$/gm, '') // link definitions
    .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2') // strong
    .replace(/(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])/g, '$1') // emphasis with *
    .replace(/(?<![\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])/g, '$1') // emphasis with _
    .replace(/`([^`\n]+)`/g, '$1')
    .replace(/^[ \t]*(?:[-*_][ \t]*){3,}$/gm, '') // thematic breaks
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
