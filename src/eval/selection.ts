/**
 * Evaluating on a slice of a corpus folder without copying it: `--include` patterns pick the files
 * (globs or number ranges), only those become articles, and the cached index's name says which files
 * it holds, so two selections never share an index (`openCachedEngine` adds the model to the name).
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ARTICLE_EXTENSIONS, listFiles, loadSidecar, readArticle } from '../ingest/index.js';
import type { Article } from '../types.js';

/** The BBC slices of `../shared/READER-NOTES.md`: dev may be used for tuning, test only for reporting. */
export const BBC_SLICES = {
  dev: { include: '001-020', questions: 'eval/bbc-dev.jsonl' },
  test: { include: '021-040', questions: 'eval/bbc-test.jsonl' },
} as const;
export type BbcSlice = keyof typeof BBC_SLICES;
export const BBC_DIR = '../shared/datasets/bbc-news';

/**
 * Which half of the hand-written news questions (`training/questions/`, BBC files 001–020) a file's
 * questions belong to: 017–020 are never trained on (the reader's tune figures and `npm run calibrate`),
 * the rest train the reader. One rule for both, so calibration never sees a trained question.
 *
 * @example
 * writtenSplit('sport/018.txt'); // 'tune'
 * writtenSplit('tech/003.txt');  // 'train'
 */
export function writtenSplit(file: string): 'train' | 'tune' {
  return Number(/(\d{3})\.txt$/.exec(file)?.[1] ?? 0) >= 17 ? 'tune' : 'train';
}

/**
 * A file filter from comma-separated patterns, matched against paths relative to the corpus folder
 * (forward slashes). A pattern is either a glob (`*` and `?` stay within one folder, `**` crosses
 * folders, `[0-1]` is a character class) or a number range `A-B` (digits only), which matches files
 * whose name without extension is a number from A to B in any folder.
 *
 * @example
 * const keep = fileFilter('001-020');
 * keep('business/007.txt'); // true
 * keep('business/021.txt'); // false
 * fileFilter('*\/0[0-1][0-9].txt,*\/020.txt')('tech/020.txt'); // true
 */
export function fileFilter(spec: string): (rel: string) => boolean {
  const tests = spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p): ((rel: string) => boolean) => {
      const range = /^(\d+)-(\d+)$/.exec(p);
      if (range) {
        const [lo, hi] = [Number(range[1]), Number(range[2])];
        return (rel) => {
          const stem = path.posix.basename(rel).replace(/\.[^.]+$/, '');
          return /^\d+$/.test(stem) && Number(stem) >= lo && Number(stem) <= hi;
        };
      }
      const re = globToRegExp(p);
      return (rel) => re.test(rel);
    });
  if (tests.length === 0) throw new Error(`empty file selection "${spec}"`);
  return (rel) => tests.some((t) => t(rel));
}

/** A glob as an anchored regular expression: `**` any path, `*` within a folder, `?` one character, `[...]` a class. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) throw new Error(`unclosed "[" in pattern "${glob}"`);
      re += '[' + glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']';
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * Reads only the selected article files of a corpus folder, in sorted order (as `readCorpus` would,
 * sidecar included); unreadable files are returned in `skipped`.
 *
 * @example
 * const { articles, files } = await readSelection('../shared/datasets/bbc-news', '001-020');
 * articles.length; // 100
 */
export async function readSelection(
  dir: string,
  spec: string,
): Promise<{ articles: Article[]; files: string[]; skipped: { file: string; reason: string }[] }> {
  const keep = fileFilter(spec);
  if (!(await fs.stat(dir).catch(() => null))?.isDirectory()) throw new Error(`corpus folder not found: ${dir}`);
  const files = (await listFiles(dir)).filter(
    (rel) => keep(rel) && (ARTICLE_EXTENSIONS as readonly string[]).includes(path.posix.extname(rel).toLowerCase()),
  );
  if (files.length === 0) throw new Error(`no article file under ${dir} matches "${spec}"`);
  const sidecar = await loadSidecar(dir);
  const articles: Article[] = [];
  const skipped: { file: string; reason: string }[] = [];
  for (const rel of files) {
    try {
      articles.push((await readArticle(dir, rel, { sidecar })).article);
    } catch (err) {
      skipped.push({ file: rel, reason: (err as Error).message });
    }
  }
  return { articles, files, skipped };
}

/**
 * The cached index's name for a corpus folder (and a selection of its files): what eval, tune and
 * calibrate share, so one folder is indexed once per model.
 *
 * @example
 * corpusIndexKey('corpus'); // 'corpus-_work_main_corpus'
 */
export function corpusIndexKey(dir: string, selected?: readonly string[]): string {
  return indexKey(`corpus-${path.resolve(dir).replace(/[^\w]+/g, '_').slice(-60)}`, selected);
}

/**
 * The cached index's name for an input: what it holds (a label and, for a selection, a hash of the
 * selected file list), so two selections never share an index. `openCachedEngine` appends the
 * embedding model (profile, fp32), so two models never share one either.
 *
 * @example
 * indexKey('corpus-bbc-news', ['business/001.txt']); // 'corpus-bbc-news-sel3f2a9c01d4'
 */
export function indexKey(label: string, selected?: readonly string[]): string {
  const sel = selected ? `-sel${crypto.createHash('sha256').update(selected.join('\n')).digest('hex').slice(0, 10)}` : '';
  return `${label.replace(/[^\w.-]+/g, '_').slice(-60)}${sel}`;
}
