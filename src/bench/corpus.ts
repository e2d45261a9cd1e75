/**
 * The bench's inputs: an even sample of BBC News files copied into a scratch corpus folder (so one
 * article can be edited), a SQuAD subset, and the exact texts a build embeds, read back from an index.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { LoadedIndex } from '../index/load.js';
import { passageText } from '../text/passages.js';
import type { Article } from '../types.js';

/**
 * Every `.txt` file under `dir` (relative paths, sorted), README files excluded.
 *
 * @example
 * listTextFiles('../shared/datasets/bbc-news').length; // 2225
 */
export function listTextFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.name.endsWith('.txt') && !/^readme/i.test(e.name)) out.push(r);
    }
  };
  walk('');
  return out;
}

export { evenSample } from '../eval/workspace.js';

/**
 * Copies files (relative to `from`) into `to`, emptied first: a scratch corpus the bench may edit.
 *
 * @example
 * copyFiles('../shared/datasets/bbc-news', evenSample(listTextFiles(bbc), 200), '.tmp/bench/corpus-200');
 */
export function copyFiles(from: string, files: readonly string[], to: string): void {
  fs.rmSync(to, { recursive: true, force: true });
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(to, f)), { recursive: true });
    fs.copyFileSync(path.join(from, f), path.join(to, f));
  }
}

/**
 * Edits one article the way an editor would: appends a paragraph. Returns a function restoring it.
 *
 * @example
 * const restore = editArticle('.tmp/bench/corpus-200/tech/001.txt'); … restore();
 */
export function editArticle(file: string): () => void {
  const original = fs.readFileSync(file);
  fs.writeFileSync(file, Buffer.concat([original, Buffer.from('\n\nThis paragraph was added by the benchmark to measure an incremental rebuild.\n')]));
  return () => fs.writeFileSync(file, original);
}

/**
 * The texts a build embedded, in index order: every sentence, every passage (title-prefixed, rebuilt
 * with the product's own `passageText`) and every vocabulary word (for the abstention check).
 *
 * @example
 * const { sentences, passages, words } = indexTexts(await loadIndex(dir, model));
 */
export function indexTexts(index: Pick<LoadedIndex, 'articles'> & Partial<Pick<LoadedIndex, 'vocabulary'>>): { sentences: string[]; passages: string[]; words: string[] } {
  const words = index.vocabulary ? [...index.vocabulary.keys()] : [];
  const sentences: string[] = [];
  const passages: string[] = [];
  for (const a of index.articles) {
    for (const s of a.sentences) sentences.push(a.text.slice(s.start, s.end));
    for (const p of a.passages) passages.push(passageText(a.title, a.text, a.sentences, p));
  }
  return { sentences, passages, words };
}

/**
 * The SQuAD articles (paragraphs) of the first `documents` documents, by their `NN-Title/` prefix.
 *
 * @example
 * squadDocuments(readSquad(file).articles, 8).length; // ≈ 350 paragraphs
 */
export function squadDocuments(articles: readonly Article[], documents: number): Article[] {
  return articles.filter((a) => Number(a.id.slice(0, 2)) < documents);
}
