import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, beforeAll } from 'vitest';
import { readCorpus, readArticle, CLEANER_VERSION, type CorpusResult } from '../../src/ingest/index.js';
import type { Article } from '../../src/types.js';

const CORPUS = path.resolve('corpus');
const noSidecar = { sidecar: { defaults: {}, entries: new Map(), problems: [] } };

/** Strings that are page furniture in the seeds and must never reach the quotable text. */
const BOILERPLATE = [
  'Accessibility links', 'Breaking News', 'please wait', 'No media source currently available', '0:00', 'WATCH:',
  'Skip to', 'ADVERTISEMENT', 'Share this article', 'Close Button', 'Copyright', 'By Euronews', 'You might also like',
  'Iraq PM denies requesting', 'Airstrike enigma', 'Brussels shooting', 'undesirable organization',
  'report the news in 27', 'click here', 'Image: REUTERS', 'Brüssel NATO', '16x9', 'https://', 'With reporting by',
  'jr/ksb', 'Editing by', 'Additional reporting', '___', 'December 3, 2014\n', 'STRATEGY SOUGHT', 'Vatican visit',
  'Kerry Hosts Coalition Meeting',
];

let corpus: CorpusResult;
const byFile = (f: string): Article => {
  const a = corpus.articles.find((x) => x.file.startsWith(f));
  if (!a) throw new Error(`no article ${f}`);
  return a;
};

beforeAll(async () => {
  corpus = await readCorpus(CORPUS);
});

describe('seed corpus', () => {
  it('loads all five seeds, nothing skipped, metadata.json without problems', () => {
    expect(corpus.articles.map((a) => a.id)).toEqual([
      '000_f22a988642fb4764', '001_e9a4a54a7af6da91', '002_d173e7abc9e413bc', '003_e53e2b2640676e99', '004_ed9ed68ace92ce3f',
    ]);
    expect(corpus.articles.map((a) => a.file)[0]).toBe('000_f22a988642fb4764.txt');
    expect(corpus.skipped).toEqual([]);
    expect(corpus.notes.filter((n) => n.file === 'metadata.json')).toEqual([]);
  });

  it.each(BOILERPLATE)('no seed keeps boilerplate %j', (s) => {
    for (const a of corpus.articles) expect(a.text, a.id).not.toContain(s);
  });

  it('paragraphs are separated by exactly one blank line, with no stray white space', () => {
    for (const a of corpus.articles) {
      expect(a.text).not.toMatch(/\n{3,}/);
      expect(a.text).not.toMatch(/^\s|\s$/);
      expect(a.text).not.toMatch(/[ \t]\n|\n[ \t]/);
    }
  });

  it('headlines are titles, not text', () => {
    expect(byFile('000').title).toBe('Kerry Says Coalition Against IS Militants Will Prevail');
    expect(byFile('001').title).toBe('IS push could take years: Kerry');
    expect(byFile('002').title).toBe("Iran strikes against ISIL 'positive', says John Kerry");
    expect(byFile('004').title).toBe('Blinken Urges US Allies to Keep Up Islamic State Fight');
    for (const id of ['000', '001', '002', '004']) expect(byFile(id).text).not.toContain(byFile(id).title);
    // 003 has no headline line: its first sentence, cut short, stands in.
    expect(byFile('003').title).toMatch(/^Secretary of State John Kerry and Defense Secretary Chuck Hagel told .*…$/);
    expect(corpus.notes).toContainEqual({ file: '003_e53e2b2640676e99.txt', note: expect.stringContaining('first sentence') });
  });

  it('000 (RFE/RL) keeps its reporting from first to last paragraph', () => {
    const t = byFile('000').text;
    expect(t.startsWith('U.S. Secretary of State John Kerry says the U.S.-led coalition against Islamic State militants is "united and moving ahead on all fronts"')).toBe(true);
    expect(t).toContain('Pentagon spokesman Rear Admiral John Kirby said it was up to the Iraqi government to oversee and coordinate military flights by other countries over its airspace.');
    expect(t).toContain('Saudi Arabia, the United Arab Emirates, Jordan, and Bahrain are all taking part in the air strikes in Syria.');
    expect(t).toContain('A senior Iranian official denied that.');
    expect(t.endsWith('Iran is not part of the U.S.-led coalition against the IS militants and Tehran did not send representatives to the December 3 coalition talks in Brussels.')).toBe(true);
    expect(t.split('\n\n')).toHaveLength(19);
  });

  it('001 (DW) keeps the lead and every quote', () => {
    const t = byFile('001').text;
    expect(t.startsWith('It will likely take years for a US-led coalition to defeat "Islamic State" (IS) militants')).toBe(true);
    expect(t).toContain('"We have the indications they have flown these missions in recent days in eastern Iraq," Pentagon spokesman Rear Admiral John Kirby said.');
    expect(t).toContain('The roughly 1,000 coalition air missions that we have flown');
    expect(t.endsWith('told news agency dpa that the Pentagon\'s statements were "not precise and thus not correct."')).toBe(true);
    expect(t.split('\n\n')).toHaveLength(11);
  });

  it('002 (Euronews) keeps the standfirst, the correspondent and the last paragraph', () => {
    const t = byFile('002').text;
    expect(t.startsWith('The US Secretary of State welcomes limited Iranian attacks against ISIL targets in Iraq')).toBe(true);
    expect(t).toContain('Euronews correspondent James Franey reported from Brussels:\n“There are a number of key questions still to be asked');
    expect(t).toContain('It’s the strategy that the US and its allies have been using in the fight against al Qaeda for well over a decade.”');
    expect(t.endsWith('The US Secretary of State John Kerry is to meet the Russian Foreign Minister Sergei Lavrov in Basel, Switzerland, on Thursday, say officials from both countries.')).toBe(true);
  });

  it('003 (Reuters) keeps all 21 reporting lines, its first and its last', () => {
    const t = byFile('003').text;
    expect(t.split('\n')).toHaveLength(21);
    expect(t.startsWith('Secretary of State John Kerry and Defense Secretary Chuck Hagel told foreign and defense ministers')).toBe(true);
    expect(t).toContain('“Obviously I think that’s a red line for everybody here: no boots on the ground.”');
    expect(t.endsWith('But we’re determined,” Kerry said.')).toBe(true);
  });

  it('004 (VOA) keeps the reporting after the Vatican subheading and one copy of the repeated caption', () => {
    const t = byFile('004').text;
    expect(t).toContain('U.S. Secretary of State Antony Blinken urged allies Monday to maintain a focus on defeating the Islamic State group');
    expect(t).toContain('Earlier Monday,Blinken visited the Vatican to meet with Pope Francis');
    expect(t.endsWith('The agenda for those talks includes the COVID-19 pandemic, the climate crisis, and equitable economic recovery.')).toBe(true);
    expect(t.split('Pope Francis shakes hands with Secretary of State Antony Blinken').length - 1).toBe(1);
  });

  it('every seed-question answer survives cleaning in one of its sources', () => {
    const lines = fs.readFileSync(path.resolve('../shared/eval/seed-questions.jsonl'), 'utf8').split('\n').filter(Boolean);
    const questions = lines.map((l) => JSON.parse(l) as { id: string; answers?: string[]; sources?: string[] });
    let checked = 0;
    for (const q of questions) {
      if (!q.answers || !q.sources) continue;
      const texts = q.sources.map((s) => byFile(s).text.toLowerCase());
      expect(q.answers.some((ans) => texts.some((t) => t.includes(ans.toLowerCase()))), q.id).toBe(true);
      checked++;
    }
    expect(checked).toBe(20);
  });

  it('metadata.json gives publisher, date and url', () => {
    const meta = (f: string) => {
      const a = byFile(f);
      return { publisher: a.publisher, date: a.date, url: a.url };
    };
    expect(meta('000')).toEqual({ publisher: 'RFE/RL', date: '2014-12-03', url: null });
    expect(meta('001')).toEqual({ publisher: 'DW', date: '2014-12-03', url: 'https://p.dw.com/p/1Dycg' });
    expect(meta('002')).toEqual({ publisher: 'Euronews', date: '2014-12-03', url: null });
    expect(meta('003')).toEqual({ publisher: 'Reuters', date: '2014-09-05', url: null });
    expect(meta('004')).toEqual({ publisher: 'Voice of America', date: '2021-06-28', url: null });
  });

  it('without metadata.json, inference finds what the pages themselves say', async () => {
    const inferred = async (f: string) => {
      const { article } = await readArticle(CORPUS, f, noSidecar);
      return { title: article.title, publisher: article.publisher, date: article.date, url: article.url };
    };
    // RFE/RL signs its footer; the page has no year anywhere.
    expect(await inferred('000_f22a988642fb4764.txt')).toMatchObject({ publisher: 'RFE/RL', date: null, url: null });
    // DW: the date line and the p.dw.com short link.
    expect(await inferred('001_e9a4a54a7af6da91.txt')).toEqual({
      title: 'IS push could take years: Kerry', publisher: 'DW', date: '2014-12-03', url: 'https://p.dw.com/p/1Dycg',
    });
    expect(await inferred('002_d173e7abc9e413bc.txt')).toMatchObject({ publisher: 'Euronews', date: null });
    // Reuters' credit block; no date in the text.
    expect(await inferred('003_e53e2b2640676e99.txt')).toMatchObject({ publisher: 'Reuters', date: null });
    // VOA's page does not name it; the caption under the headline dates it.
    expect(await inferred('004_ed9ed68ace92ce3f.txt')).toMatchObject({ publisher: null, date: '2021-06-28' });
  });

  it('the hash depends on the bytes, the cleaner version and the sidecar entry, and is stable', async () => {
    const again = await readCorpus(CORPUS);
    expect(again.articles.map((a) => a.hash)).toEqual(corpus.articles.map((a) => a.hash));
    for (const a of corpus.articles) expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    const { article: bare } = await readArticle(CORPUS, '001_e9a4a54a7af6da91.txt', noSidecar);
    expect(bare.hash).not.toBe(byFile('001').hash);
    expect(bare.text).toBe(byFile('001').text);
    expect(CLEANER_VERSION).toBeTruthy();
  });
});
