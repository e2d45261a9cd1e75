import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { htmlToArticle, markdownToArticle, markdownToText, readArticle } from '../../src/ingest/index.js';

const FIXTURES = path.resolve('test/fixtures/ingest');
const noSidecar = { sidecar: { defaults: {}, entries: new Map(), problems: [] } };

describe('HTML pages', () => {
  it('keeps only the article text and takes metadata from the head', async () => {
    const { article } = await readArticle(FIXTURES, 'page.html', noSidecar);
    expect(article).toMatchObject({
      id: 'page',
      file: 'page.html',
      title: 'Harbour bridge reopens after repairs',
      publisher: 'Coastal Herald',
      date: '2023-03-14',
      url: 'https://news.example.com/2023/03/harbour-bridge',
    });
    const paragraphs = article.text.split('\n\n');
    expect(paragraphs[0]).toBe(
      "The city's main harbour bridge reopened to traffic on Monday after six months of repairs that cost the regional government more than $12 million, the transport authority said in a statement.",
    );
    // <br> stays a line break inside its paragraph.
    expect(article.text).toContain('at the reopening ceremony.\n"They kept their promise to this city."');
    expect(paragraphs.at(-1)).toMatch(/^Traffic is expected to return to normal levels/);
    expect(paragraphs).toHaveLength(4);
    for (const junk of ['Home', 'World news', 'Buy cheap flights', 'ADVERTISEMENT', 'Share this article', 'Related stories',
      'Ferry timetable', 'All rights reserved', 'Privacy Policy', 'Cars cross the bridge', 'By Ana Lopez', 'window.tracking']) {
      expect(article.text).not.toContain(junk);
    }
  });

  it('falls back to <title> and the body when there is no article markup', () => {
    const page = htmlToArticle('<html><head><title>Short note</title></head><body><p>Only one short paragraph here.</p></body></html>');
    expect(page.title).toBe('Short note');
    expect(page.text).toBe('Only one short paragraph here.');
    expect(page.publisher).toBeNull();
    expect(page.url).toBeNull();
  });
});

describe('Markdown with front matter', () => {
  it('front matter gives title, publisher (from source), date and url; the heading is not text', async () => {
    const { article } = await readArticle(FIXTURES, 'front-matter.md', noSidecar);
    expect(article).toMatchObject({
      id: 'front-matter',
      title: 'Council approves new cycle lanes',
      publisher: 'Coastal Herald',
      date: '2023-04-02',
      url: 'https://news.example.com/2023/04/cycle-lanes',
    });
    expect(article.text).toBe('The city council approved a plan for 40 kilometres of new cycle lanes on Tuesday.\n\nWork will begin in June, the council said.');
  });

  it('reports unusable front-matter fields and keeps the rest', () => {
    const md = markdownToArticle('---\ntitle: Talks\ndate: last week\nurl: not a url\npublisher: DW\n---\nBody text here.');
    expect(md.given).toEqual({ title: 'Talks', publisher: 'DW' });
    expect(md.problems).toHaveLength(2);
    expect(md.problems.join(' ')).toMatch(/date "last week"/);
  });

  it('invalid YAML is an IngestError', () => {
    expect(() => markdownToArticle('---\ntitle: [unclosed\n---\nBody')).toThrow(/invalid YAML front matter/);
  });

  it('markup becomes the text a reader sees', () => {
    expect(markdownToText('## Talks\n\nSee [the report](https://x.org) by *Reuters* and __AP__.\n\n![chart](c.png)\n\n> "Quote," he said.')).toBe(
      'Talks\n\nSee the report by Reuters and AP.\n\n"Quote," he said.',
    );
    // Underscores inside words are not emphasis.
    expect(markdownToText('snake_case_name stays')).toBe('snake_case_name stays');
  });
});
