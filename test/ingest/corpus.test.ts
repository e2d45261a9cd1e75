import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IngestError, parseSidecar, readArticle, readCorpus } from '../../src/ingest/index.js';

const ARTICLE = 'Talks end in Brussels\n\nForeign ministers met in Brussels on Wednesday to review the campaign.\n';
const dirs: string[] = [];

/** Writes a throw-away corpus: a map of relative path → content. */
function makeCorpus(files: Record<string, string | Uint8Array>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verbatim-ingest-'));
  dirs.push(dir);
  for (const [rel, content] of Object.entries(files)) {
    const full = path.join(dir, rel);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, content);
  }
  return dir;
}

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('readCorpus', () => {
  it('walks nested folders in sorted order with path-based ids', async () => {
    const dir = makeCorpus({
      'world/b.txt': ARTICLE,
      'world/a.md': ARTICLE,
      'business/z/deep.htm': `<html><head><title>Deep page</title></head><body><article><p>${'Markets rose sharply on Monday. '.repeat(5)}</p></article></body></html>`,
      'top.txt': ARTICLE,
      'B.txt': ARTICLE,
    });
    const { articles, skipped } = await readCorpus(dir);
    expect(skipped).toEqual([]);
    expect(articles.map((a) => a.file)).toEqual(['B.txt', 'business/z/deep.htm', 'top.txt', 'world/a.md', 'world/b.txt']);
    expect(articles.map((a) => a.id)).toEqual(['B', 'business/z/deep', 'top', 'world/a', 'world/b']);
    expect(articles[1].title).toBe('Deep page');
    expect(articles[4]).toMatchObject({ title: 'Talks end in Brussels', text: 'Foreign ministers met in Brussels on Wednesday to review the campaign.' });
  });

  it('skips bad files with their reason and still loads the good ones', async () => {
    const dir = makeCorpus({
      'good.txt': ARTICLE,
      'empty.txt': '',
      'blank.txt': '  \n\n\t \n',
      'image.txt': Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]),
      'furniture.txt': 'Skip to content\n\nADVERTISEMENT\n\nShare on Facebook\n\nhttps://example.com/x\n',
      'README.TXT': 'This dataset consists of 2225 documents.',
      'notes.pdf': '%PDF-1.4',
      '.hidden.txt': ARTICLE,
      '.git/config.txt': ARTICLE,
    });
    const { articles, skipped } = await readCorpus(dir);
    expect(articles.map((a) => a.file)).toEqual(['good.txt']);
    const reasons = Object.fromEntries(skipped.map((s) => [s.file, s.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['README.TXT', 'blank.txt', 'empty.txt', 'furniture.txt', 'image.txt', 'notes.pdf']);
    expect(reasons['empty.txt']).toBe('empty file');
    expect(reasons['blank.txt']).toMatch(/only white space/);
    expect(reasons['image.txt']).toMatch(/binary/);
    expect(reasons['furniture.txt']).toMatch(/no article text left/);
    expect(reasons['README.TXT']).toMatch(/README/);
    expect(reasons['notes.pdf']).toMatch(/unsupported file type "\.pdf"/);
  });

  it('skips files over the size limit without reading them', async () => {
    const dir = makeCorpus({ 'big.txt': ARTICLE + 'More text. '.repeat(200), 'small.txt': ARTICLE });
    const { articles, skipped } = await readCorpus(dir, { maxBytes: 1000 });
    expect(articles.map((a) => a.file)).toEqual(['small.txt']);
    expect(skipped).toEqual([{ file: 'big.txt', reason: expect.stringMatching(/too large/) }]);
  });

  it('a file and its namesake with another extension get distinct ids', async () => {
    const dir = makeCorpus({ 'a.md': ARTICLE, 'a.txt': ARTICLE });
    const { articles, notes } = await readCorpus(dir);
    expect(articles.map((a) => a.id)).toEqual(['a', 'a.txt']);
    expect(notes.some((n) => n.file === 'a.txt' && /already used/.test(n.note))).toBe(true);
  });

  it('reports a missing corpus folder clearly', async () => {
    await expect(readCorpus(path.join(os.tmpdir(), 'no-such-corpus-dir-verbatim'))).rejects.toThrow(/corpus folder not found/);
  });
});

describe('metadata.json', () => {
  it('entries override inference, "*" gives defaults, bad entries are reported and ignored', async () => {
    const dir = makeCorpus({
      'news/one.txt': ARTICLE,
      'news/two.txt': ARTICLE,
      'three.txt': ARTICLE,
      'metadata.json': JSON.stringify({
        '*': { publisher: 'BBC' },
        'news/one.txt': { title: 'Given title', date: '2014-12-03', url: 'https://example.com/one' },
        'news/two.txt': { date: 'December 3rd', colour: 'red' },
        'three.txt': { publisher: null },
        'gone.txt': { title: 'Nobody' },
      }),
    });
    const { articles, notes, skipped } = await readCorpus(dir);
    expect(skipped).toEqual([]);
    const [one, two, three] = [articles.find((a) => a.file === 'news/one.txt')!, articles.find((a) => a.file === 'news/two.txt')!, articles.find((a) => a.file === 'three.txt')!];
    expect(one).toMatchObject({ title: 'Given title', publisher: 'BBC', date: '2014-12-03', url: 'https://example.com/one' });
    // The headline line is still not text, even when the title comes from elsewhere.
    expect(one.text).toBe('Foreign ministers met in Brussels on Wednesday to review the campaign.');
    expect(two).toMatchObject({ title: 'Talks end in Brussels', publisher: 'BBC', date: null });
    expect(three.publisher).toBeNull();
    const sidecarNotes = notes.filter((n) => n.file === 'metadata.json').map((n) => n.note);
    expect(sidecarNotes).toHaveLength(2);
    expect(sidecarNotes[0]).toMatch(/entry "news\/two.txt" ignored: .*date: expected an ISO date.*colour/s);
    expect(sidecarNotes[1]).toMatch(/entry "gone.txt" matches no file/);
    // The hash changes with the entry.
    const bare = await readArticle(dir, 'news/one.txt', { sidecar: { defaults: {}, entries: new Map(), problems: [] } });
    expect(bare.article.hash).not.toBe(one.hash);
  });

  it('invalid JSON is a note, not a crash', async () => {
    const dir = makeCorpus({ 'one.txt': ARTICLE, 'metadata.json': '{ "one.txt": { "title": ' });
    const { articles, notes } = await readCorpus(dir);
    expect(articles).toHaveLength(1);
    expect(notes).toEqual([{ file: 'metadata.json', note: expect.stringMatching(/not valid JSON/) }]);
  });

  it('parseSidecar rejects non-objects and impossible dates', () => {
    expect(parseSidecar('[1, 2]').problems[0]).toMatch(/expected an object/);
    expect(parseSidecar('{"a.txt": {"date": "2014-02-30"}}').problems[0]).toMatch(/not a real date/);
    expect(parseSidecar('{"a.txt": {"url": "p.dw.com/x"}}').problems[0]).toMatch(/url/);
    expect(parseSidecar('{"sub\\\\a.txt": {"title": "T"}}').entries.has('sub/a.txt')).toBe(true);
  });

  it('readArticle throws IngestError for one bad file', async () => {
    const dir = makeCorpus({ 'empty.txt': '' });
    await expect(readArticle(dir, 'empty.txt')).rejects.toBeInstanceOf(IngestError);
    await expect(readArticle(dir, 'missing.txt')).rejects.toThrow(/unreadable: ENOENT/);
  });
});
