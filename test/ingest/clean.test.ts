import { describe, expect, it } from 'vitest';
import { classifyLines, cleanText, findDate, isDateLine, isHeadlineLike, parseDate, publisherFromUrl } from '../../src/ingest/index.js';

const kinds = (text: string) => classifyLines(text).filter((l) => l.kind !== 'blank').map((l) => `${l.kind}: ${l.text}`);
const PROSE_A = 'The minister said the talks would resume on Monday in Geneva.';
const PROSE_B = 'Officials from both sides confirmed the schedule late on Sunday.';

describe('cleanText rules', () => {
  it('drops timecode lines in several notations, but not sentences with times', () => {
    const t = cleanText(`0:00 0:01:28 0:00\n\n00:00 / 02:15\n\n1:23 of 4:56\n\nThe vote closed at 10:30 on Tuesday, officials said.`).text;
    expect(t).toBe('The vote closed at 10:30 on Tuesday, officials said.');
  });

  it('drops UI labels only when they stand alone, not inside sentences', () => {
    const t = cleanText(`Comments (12)\n\nPrint\n\nShares in the company fell 5% after the report.\n\nShe declined to comment on the advertisement.`).text;
    expect(t).toBe('Shares in the company fell 5% after the report.\n\nShe declined to comment on the advertisement.');
  });

  it('a related-articles heading takes its headlines but stops at the next prose paragraph', () => {
    const t = cleanText(`${PROSE_A}\n\nRead more:\n\nTalks collapse in Vienna\nWhat the deal means for oil prices?\n\n${PROSE_B}`).text;
    expect(t).toBe(`${PROSE_A}\n\n${PROSE_B}`);
  });

  it('subheadings between prose go; lists of short lines stay', () => {
    expect(cleanText(`${PROSE_A}\n\nTalks resume\n\n${PROSE_B}`).text).toBe(`${PROSE_A}\n\n${PROSE_B}`);
    const list = `The draw for the fourth round was:\n\nArsenal v Wolves\nChelsea v Everton\nLeeds v Fulham\n\n${PROSE_B}`;
    expect(cleanText(list).text).toBe(list);
  });

  it('a sentence broken across lines is not mistaken for a subheading', () => {
    const t = `${PROSE_A}\n\nand\n\nresumed their rivalry in the final.`;
    expect(cleanText(t).text).toBe(t);
  });

  it('keeps one copy of a repeated line (alt text + caption)', () => {
    const cap = 'Pope Francis shakes hands with the minister at the Vatican, June 28, 2021.';
    expect(cleanText(`${cap}\n${cap}\n\n${PROSE_A}`).text).toBe(`${cap}\n\n${PROSE_A}`);
  });

  it('cuts the footer after a closing sign-off, but a late "By …" sentence is reporting', () => {
    const t = cleanText(`${PROSE_A}\n\n${PROSE_B}\n\n(Reporting by Jane Doe; Editing by John Roe)\n\nOur Standards: The Trust Principles.`).text;
    expect(t).toBe(`${PROSE_A}\n\n${PROSE_B}`);
    const late = `${PROSE_A}\n\n${PROSE_B}\n\nBy Wednesday, the two sides had agreed on a text, officials said.`;
    expect(cleanText(late).text).toBe(late);
  });

  it('outlet notices at the end go, but a reported sentence with the same words stays', () => {
    expect(cleanText(`${PROSE_A}\n\nTo find out more, click here.`).text).toBe(PROSE_A);
    const quoted = `${PROSE_A}\n\n"A free press is the foundation of democracy," the editor said.`;
    expect(cleanText(quoted).text).toBe(quoted);
  });

  it('classifies the furniture it removes', () => {
    expect(kinds('1. Skip to content\nMenu | World | Sport | Culture\nBreaking News\nBy Euronews\nDecember 3, 2014\nhttps://p.dw.com/p/1Dycg\nImage: REUTERS/E. Vidal\nSponsored content\n• 16x9 Image\n___\njr/ksb (dpa, AP)')).toEqual([
      'nav: 1. Skip to content',
      'nav: Menu | World | Sport | Culture',
      'ui: Breaking News',
      'byline: By Euronews',
      'date: December 3, 2014',
      'url: https://p.dw.com/p/1Dycg',
      'image: Image: REUTERS/E. Vidal',
      'ui: Sponsored content',
      'image: • 16x9 Image',
      'rule: ___',
      'signoff: jr/ksb (dpa, AP)',
    ]);
  });

  it('the page headline survives when a player follows it directly; a player title does not', () => {
    const page = 'Headline About The Summit\n\nVideo Title Of The Player\nplease wait\n\nThe summit opened on Monday with a speech by the host.';
    expect(kinds(page)).toEqual([
      'text: Headline About The Summit',
      'media: Video Title Of The Player',
      'media: please wait',
      'text: The summit opened on Monday with a speech by the host.',
    ]);
    expect(kinds('Headline About The Summit\nplease wait\n\nThe summit opened on Monday.')[0]).toBe('text: Headline About The Summit');
  });
});

describe('helpers', () => {
  it('isHeadlineLike', () => {
    expect(isHeadlineLike('Kerry Says Coalition Against IS Militants Will Prevail')).toBe(true);
    expect(isHeadlineLike('Airstrike enigma: Did Iran really raid ISIL targets in Iraq?')).toBe(true);
    expect(isHeadlineLike('iTunes now selling Band Aid song')).toBe(true);
    expect(isHeadlineLike('The talks at NATO headquarters are focused on strategy.')).toBe(false);
    expect(isHeadlineLike('Euronews correspondent James Franey reported from Brussels:')).toBe(false);
    expect(isHeadlineLike('please wait')).toBe(false);
  });

  it('dates', () => {
    expect(parseDate('December 3, 2014')).toBe('2014-12-03');
    expect(parseDate('June 28, 2021')).toBe('2021-06-28');
    expect(parseDate('Dec. 3, 2014')).toBe('2014-12-03');
    expect(parseDate('3rd September 2014')).toBe('2014-09-03');
    expect(parseDate('2014-09-05T10:00:00Z')).toBe('2014-09-05');
    expect(parseDate(new Date('2014-12-03T10:00:00Z'))).toBe('2014-12-03');
    expect(parseDate('on December 3')).toBeNull();
    expect(parseDate('June 31, 2021')).toBeNull();
    expect(findDate('Rome, June 28, 2021.')).toEqual({ iso: '2021-06-28', index: 6, length: 13 });
    expect(isDateLine('Updated: Wed 3 Dec 2014, 10:45 GMT')).toBe(true);
    expect(isDateLine('The talks began on December 3, 2014.')).toBe(false);
  });

  it('publisherFromUrl', () => {
    expect(publisherFromUrl('https://p.dw.com/p/1Dycg')).toBe('DW');
    expect(publisherFromUrl('https://www.bbc.co.uk/news/x')).toBe('BBC');
    expect(publisherFromUrl('https://example.org/x')).toBeNull();
  });
});
