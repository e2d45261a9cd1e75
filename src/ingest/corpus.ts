/**
 * The corpus folder → cleaned `Article`s. Every file is read, decoded, converted (HTML, Markdown),
 * cleaned and given citation metadata; a file that cannot become an article is reported in
 * `skipped` with the reason and never stops the others from loading.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Article } from '../types.js';
import { CLEANER_VERSION, cleanText } from './clean.js';
import { decodeText, IngestError } from './decode.js';
import { htmlToArticle } from './html.js';
import { markdownToArticle } from './markdown.js';
import { inferMetadata, type Metadata } from './metadata.js';
import { loadSidecar, sidecarFor, sidecarKey, SIDECAR_FILE, type Sidecar, type SidecarEntry } from './sidecar.js';

/** File types read as articles. */
export const ARTICLE_EXTENSIONS = ['.txt', '.md', '.markdown', '.html', '.htm'] as const;

/**
 * Files above this size are skipped unread. A news article is a few kilobytes (the largest BBC file
 * is ~25 KB); 20 MB of "text" is a dump, a log or a mislabelled binary, and cleaning and embedding it
 * would stall the build for nothing. Raise it per call with `maxBytes` when a corpus really has such files.
 */
export const MAX_FILE_BYTES = 20 * 1024 * 1024;

/** Dataset documentation that sits next to articles (bbc-news has README.TXT): reported, not indexed. */
const DOC_FILE = /^(?:readme|license|licence|copying|changelog|changes|notice|authors|contributing)(?:\.[^.]*)?$/i;

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface FileNote {
  file: string;
  note: string;
}

export interface CorpusResult {
  articles: Article[];
  skipped: SkippedFile[];
  notes: FileNote[];
}

export interface ReadOptions {
  /** Largest file read, in bytes (default `MAX_FILE_BYTES`). */
  maxBytes?: number;
  /** An already loaded sidecar; by default `metadata.json` is read from the corpus root. */
  sidecar?: Sidecar;
}

/**
 * Reads every article under `dir`, in sorted (deterministic) order, recursing into sub-folders.
 * Dotfiles and dot-folders are ignored silently; `metadata.json` is read as the sidecar, not as an
 * article; README-like files, unsupported types and bad files are listed in `skipped`.
 *
 * @throws {IngestError} only when `dir` itself is not a folder.
 * @example
 * const { articles, skipped, notes } = await readCorpus('corpus');
 * articles[0].id;   // '000_f22a988642fb4764'
 * skipped;          // [{ file: 'README.TXT', reason: 'dataset documentation (README-like name), not an article' }]
 */
export async function readCorpus(dir: string, options: ReadOptions = {}): Promise<CorpusResult> {
  const stat = await fs.stat(dir).catch(() => null);
  if (!stat?.isDirectory()) throw new IngestError(`corpus folder not found: ${dir}`);
  const sidecar = options.sidecar ?? (await loadSidecar(dir));
  const result: CorpusResult = { articles: [], skipped: [], notes: [] };
  for (const problem of sidecar.problems) result.notes.push({ file: SIDECAR_FILE, note: problem });

  const files = await listFiles(dir);
  const present = new Set(files);
  for (const key of sidecar.entries.keys()) {
    if (!present.has(key)) result.notes.push({ file: SIDECAR_FILE, note: `entry "${key}" matches no file in the corpus` });
  }

  const ids = new Map<string, string>();
  for (const rel of files) {
    const name = path.posix.basename(rel);
    if (rel === SIDECAR_FILE) continue;
    if (name === SIDECAR_FILE) {
      result.notes.push({ file: rel, note: `only the corpus root's ${SIDECAR_FILE} is read; this one is ignored` });
      continue;
    }
    if (DOC_FILE.test(name)) {
      result.skipped.push({ file: rel, reason: 'dataset documentation (README-like name), not an article' });
      continue;
    }
    const ext = path.posix.extname(name).toLowerCase();
    if (!(ARTICLE_EXTENSIONS as readonly string[]).includes(ext)) {
      result.skipped.push({ file: rel, reason: `unsupported file type "${ext || '(none)'}" (accepted: ${ARTICLE_EXTENSIONS.join(', ')})` });
      continue;
    }
    try {
      const { article, notes } = await readArticle(dir, rel, { ...options, sidecar });
      // `a.txt` and `a.md` would share the id `a`: the later one keeps its extension in its id.
      const clash = ids.get(article.id);
      if (clash) {
        result.notes.push({ file: rel, note: `id "${article.id}" already used by ${clash}; using "${rel}" as its id` });
        article.id = rel;
      }
      ids.set(article.id, rel);
      result.articles.push(article);
      for (const note of notes) result.notes.push({ file: rel, note });
    } catch (err) {
      result.skipped.push({ file: rel, reason: reasonOf(err) });
    }
  }
  return result;
}

/**
 * Reads one file of a corpus into an article.
 *
 * @param root the corpus folder
 * @param relFile the file's path relative to `root` (either slash direction)
 * @throws {IngestError} when the file cannot become an article (too large, empty, binary, no text left…).
 * @example
 * const { article, notes } = await readArticle('corpus', '001_e9a4a54a7af6da91.txt');
 * article.url; // 'https://p.dw.com/p/1Dycg'
 */
export async function readArticle(root: string, relFile: string, options: ReadOptions = {}): Promise<{ article: Article; notes: string[] }> {
  const rel = sidecarKey(relFile);
  const full = path.join(root, ...rel.split('/'));
  const maxBytes = options.maxBytes ?? MAX_FILE_BYTES;
  const notes: string[] = [];

  let raw: Buffer;
  try {
    const stat = await fs.stat(full);
    if (!stat.isFile()) throw new IngestError('not a regular file');
    if (stat.size > maxBytes) {
      throw new IngestError(`too large (${mb(stat.size)} MB > ${mb(maxBytes)} MB limit); not an article`);
    }
    raw = await fs.readFile(full);
  } catch (err) {
    if (err instanceof IngestError) throw err;
    throw new IngestError(`unreadable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }

  const decoded = decodeText(raw);
  if (decoded.encoding === 'latin1') notes.push('not valid UTF-8; decoded as Latin-1 (Windows-1252)');
  if (decoded.encoding === 'utf16le' || decoded.encoding === 'utf16be') notes.push(`decoded as UTF-16 (${decoded.encoding === 'utf16le' ? 'LE' : 'BE'})`);

  const sidecar = options.sidecar ?? (await loadSidecar(root));
  const entry = sidecarFor(sidecar, rel);

  // Format-specific conversion: what the file itself says about title, date… (the sidecar overrides it).
  const ext = path.posix.extname(rel).toLowerCase();
  let body = decoded.text;
  let fromFile: Partial<Metadata> = {};
  let firstLineIsHeadline = true;
  if (ext === '.html' || ext === '.htm') {
    const page = htmlToArticle(decoded.text);
    body = page.text;
    fromFile = dropNulls({ title: page.title, publisher: page.publisher, date: page.date, url: page.url });
    // Readability keeps the headline out of the content; a first line equal to the title still goes.
    firstLineIsHeadline = !page.title;
  } else if (ext === '.md' || ext === '.markdown') {
    const md = markdownToArticle(decoded.text);
    body = md.text;
    fromFile = md.given;
    notes.push(...md.problems);
  }

  const cleaned = cleanText(body);
  const given: Partial<Metadata> = { ...fromFile, ...entry };
  const meta = inferMetadata(cleaned, { fileName: rel, given, firstLineIsHeadline });
  if (!meta.text.trim()) throw new IngestError('no article text left after removing page boilerplate');
  if (meta.titleSource === 'first-sentence') notes.push('no headline line found; title taken from the first sentence');
  if (meta.titleSource === 'file-name') notes.push('no headline line found; title taken from the file name');

  const article: Article = {
    id: rel.replace(/\.[^./]+$/, ''),
    file: rel,
    title: meta.title,
    publisher: meta.publisher,
    date: meta.date,
    url: meta.url,
    text: meta.text,
    hash: contentHash(raw, entry),
  };
  return { article, notes };
}

/**
 * The article's content hash: raw bytes, the cleaner version and the sidecar entry that applies. Any
 * change to one of them (an edited file, new rules, corrected metadata) changes the hash.
 *
 * @example
 * contentHash(Buffer.from('text'), { publisher: 'DW' }); // 64 hex digits
 */
export function contentHash(raw: Uint8Array, entry: SidecarEntry): string {
  return crypto
    .createHash('sha256')
    .update(raw)
    .update('\0')
    .update(CLEANER_VERSION)
    .update('\0')
    .update(JSON.stringify(entry))
    .digest('hex');
}

/**
 * Relative paths (forward slashes) of all non-dot files under `dir`, sorted by code point per folder.
 *
 * @example
 * await listFiles('../shared/datasets/bbc-news'); // ['README.TXT', 'business/001.txt', …]
 */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (abs: string, rel: string) => {
    const entries = await fs.readdir(abs, { withFileTypes: true });
    // Code-point order, not localeCompare: identical on every machine and locale.
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      const childAbs = path.join(abs, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        // Linked files are read; linked folders are not followed (they can form cycles).
        const st = await fs.stat(childAbs).catch(() => null);
        isFile = st?.isFile() ?? false;
        isDir = false;
      }
      if (isDir) await walk(childAbs, childRel);
      else if (isFile) out.push(childRel);
    }
  };
  await walk(dir, '');
  return out;
}

function dropNulls(m: Metadata): Partial<Metadata> {
  const out: Partial<Metadata> = {};
  for (const [k, v] of Object.entries(m) as [keyof Metadata, string | null][]) if (v !== null) out[k] = v;
  return out;
}

function reasonOf(err: unknown): string {
  if (err instanceof IngestError) return err.message;
  return `failed: ${(err as Error)?.message ?? String(err)}`;
}

function mb(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}
