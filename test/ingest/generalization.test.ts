/**
 * The cleaning rules on pages they were not written from: other outlets' wording for the same kinds
 * of furniture (skip links, menus, ads, share bars, players, captions, related lists, footers).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readArticle } from '../../src/ingest/index.js';

const FIXTURES = path.resolve('test/fixtures/ingest');
const noSidecar = { sidecar: { defaults: {}, entries: new Map(), problems: [] } };
const read = async (f: string) => (await readArticle(FIXTURES, f, noSidecar)).article;

describe('synthetic scraped pages', () => {
  it('news site with menu, live banner, share bar, player, photo credit, related list and legal footer', async () => {
    const a = await read('scraped/herald.txt');
    expect(a.text).toBe(
      [
        "The city's main harbour bridge reopened to traffic on Monday after six months of repairs costing $12 million.",
        'Engineers replaced more than 400 steel cables, the transport authority said.',
        '"We are proud of the crews who worked through the winter," Mayor Ana Lopez told reporters.',
        'Traffic is expected to return to normal levels by the end of the week.',
      ].join('\n\n'),
    );
    expect(a).toMatchObject({ title: 'Harbour bridge reopens after six-month repair', date: '2023-03-14', publisher: 'Coastal Herald Media' });
  });

  it('science page with breadcrumbs, reading time, image caption, sponsor label, agency credit and newsletter footer', async () => {
    const a = await read('scraped/coral.txt');
    expect(a.text.split('\n\n')).toEqual([
      'Researchers have mapped a coral reef stretching 20 kilometres along the Norwegian shelf, the institute said on Friday.',
      'The reef is home to more than 300 species, according to the survey team.',
      '"It is one of the healthiest reefs we have seen," said lead researcher Ingrid Dahl.',
    ]);
    expect(a).toMatchObject({ title: 'Scientists map deep-sea coral reef off Norway', date: '2022-06-05', url: null });
  });

  it('wire story without blank lines: banner, print/tweet buttons, ruler, credits and standards footer', async () => {
    const a = await read('scraped/wheat.txt');
    expect(a.text).toBe(
      [
        'CHICAGO, Aug 3 (Reuters) - Wheat futures rose 4% on Wednesday as drought cut harvest forecasts in the U.S. Plains.',
        'Farmers in Kansas said yields were the lowest in a decade.',
        'Traders expect prices to stay high until the autumn.',
      ].join('\n'),
    );
    // The dateline names the agency; "Aug 3" has no year, so no date is invented.
    expect(a).toMatchObject({ title: 'Wheat prices climb as drought hits harvest', publisher: 'Reuters', date: null });
  });
});
