import { describe, expect, test } from 'vitest';
import { ButtonStyle } from 'discord.js';
import { embedLength, escapeText, formatDate, LIMITS, renderAnswer, renderContext, renderSource, renderSourcesPage, truncate } from '../../src/bot/render.js';
import { decodeButton, encodeButton } from '../../src/bot/custom-id.js';
import type { Answer, Citation, Quote } from '../../src/types.js';

const source: Citation = { id: 'a1', file: 'a1.txt', title: 'Kerry hosts coalition meeting', publisher: 'VOA', date: '2014-12-03', url: 'https://www.voanews.com/a/kerry(1)' };

function quote(text: string, extra: Partial<Quote> = {}): Quote {
  return { text, source, alsoIn: [], alsoQuotes: [], start: 0, end: text.length, sentenceId: 7, score: 1, ...extra };
}

function answer(quotes: Quote[], extra: Partial<Answer> = {}): Answer {
  return { question: 'q', abstained: false, quotes, ms: 12.3, timings: { embedMs: 1, searchMs: 1, selectMs: 1 }, ...extra };
}

function checkLimits(payloads: ReturnType<typeof renderAnswer>) {
  for (const p of payloads) {
    expect(p.allowedMentions.parse).toEqual([]);
    expect(p.embeds.length).toBeLessThanOrEqual(LIMITS.embedsPerMessage);
    expect(p.embeds.reduce((n, e) => n + embedLength(e), 0)).toBeLessThanOrEqual(LIMITS.embedTotal);
    for (const e of p.embeds) {
      expect(e.description!.length).toBeLessThanOrEqual(LIMITS.embedDescription);
      expect((e.title ?? '').length).toBeLessThanOrEqual(LIMITS.embedTitle);
    }
    expect((p.content ?? '').length).toBeLessThanOrEqual(LIMITS.content);
    for (const row of p.components) for (const b of row.components) if ('custom_id' in b) expect(b.custom_id.length).toBeLessThanOrEqual(100);
  }
}

describe('renderAnswer', () => {
  test('one embed per quote: linked title, block quote, publisher and date, buttons on the last message', () => {
    const [msg, ...rest] = renderAnswer(answer([quote('The coalition has flown 1,000 missions.'), quote('Kerry said so.')]), { key: 'abcDEF12', k: 2 });
    expect(rest).toEqual([]);
    expect(msg.embeds).toHaveLength(2);
    expect(msg.embeds[0].title).toBe('1. Kerry hosts coalition meeting');
    expect(msg.embeds[0].url).toBe('https://www.voanews.com/a/kerry%281%29');
    expect(msg.embeds[0].description).toMatch(/^> The coalition has flown 1,000 missions\.\n\n— VOA · 3 Dec 2014$/);
    const ids = msg.components[0].components.map((b) => ('custom_id' in b ? b.custom_id : ''));
    expect(ids).toEqual(['vb:more:abcDEF12:2', 'vb:ctx:abcDEF12:0', 'vb:up:abcDEF12', 'vb:down:abcDEF12']);
    expect(msg.components[0].components[0].style).toBe(ButtonStyle.Primary);
    checkLimits([msg]);
  });

  test('no "More passages" when fewer quotes than k came back', () => {
    const [msg] = renderAnswer(answer([quote('Only one.')]), { key: 'abcDEF12', k: 3 });
    expect(msg.components[0].components.map((b) => ('custom_id' in b ? b.custom_id : ''))).not.toContain('vb:more:abcDEF12:1');
  });

  test('a 5,000-character quote is trimmed at a word to fit 4096 / 6000', () => {
    const long = 'word '.repeat(1000).trim() + '.';
    const payloads = renderAnswer(answer([quote(long), quote(long), quote(long)]), { key: 'k', k: 3 });
    checkLimits(payloads);
    const first = payloads[0].embeds[0].description!;
    expect(first).toMatch(/word…\n/);
    expect(first).toContain('Show context');
    // Three near-4096 embeds cannot share one 6000-character message: they are split.
    expect(payloads.length).toBe(3);
    expect(payloads[0].components).toEqual([]);
    expect(payloads[2].components).toHaveLength(1);
  });

  test('markdown and mentions in quotes display as written and ping nobody', () => {
    const text = 'They told @everyone and @here and <@123> in <#456> that **this** is _big_ [x](https://e.vil) `c` ~~s~~ ||sp||\n# Heading\n> quote\n-# sub';
    const [msg] = renderAnswer(answer([quote(text)]), { key: 'k', k: 3 });
    const d = msg.embeds[0].description!;
    expect(d).not.toMatch(/@everyone|@here|<@123>|<#456>/);
    expect(d).toContain('@\u200beveryone');
    expect(d).toContain('\\*\\*this\\*\\*');
    expect(d).toContain('\\_big\\_');
    expect(d).toContain('\\[x](');
    expect(d).toContain('\\`c\\`');
    expect(d).toContain('\\|\\|sp\\|\\|');
    expect(d).toContain('> \\# Heading');
    expect(d).toContain('> \\> quote');
    expect(d).toContain('> \\-# sub');
    expect(msg.allowedMentions).toEqual({ parse: [], repliedUser: false });
  });

  test('an abstained answer says so plainly with the notice, and offers only feedback', () => {
    const [msg] = renderAnswer(answer([], { abstained: true, notice: "The articles I have don't answer that." }), { key: 'k', k: 3 });
    expect(msg.content).toBe("The articles I have don't answer that.");
    expect(msg.embeds).toEqual([]);
    expect(msg.components[0].components.map((b) => ('custom_id' in b ? b.custom_id : ''))).toEqual(['vb:up:k', 'vb:down:k']);
  });

  test('a notice on a normal answer is shown as subtext, escaped', () => {
    const [msg] = renderAnswer(answer([quote('x')], { notice: 'Your question was truncated @everyone' }), { k: 3 });
    expect(msg.content).toBe('-# Your question was truncated @\u200beveryone');
    expect(msg.components).toEqual([]);
  });

  test('a tentative answer says so in plain text above the quotes, not as small print', () => {
    const [msg] = renderAnswer(answer([quote('x')], { tentative: true, notice: "I'm not sure these answer it." }), { key: 'k', k: 3 });
    expect(msg.content).toBe("I'm not sure these answer it.");
    expect(msg.embeds).toHaveLength(1);
  });

  test('a huge title, alsoIn list and notice still fit', () => {
    const big: Citation = { ...source, title: 'T'.repeat(1000), publisher: 'P'.repeat(500) };
    const q = quote('x'.repeat(4500), { source: big, alsoIn: Array.from({ length: 30 }, () => big) });
    checkLimits(renderAnswer(answer([q, q, q, q, q, q, q, q, q, q], { notice: 'n'.repeat(5000) }), { key: 'k', k: 10 }));
  });

  test('unlinkable URLs are not linked', () => {
    const [msg] = renderAnswer(answer([quote('x', { source: { ...source, url: 'javascript:alert(1)' } })]), { k: 3 });
    expect(msg.embeds[0].url).toBeUndefined();
  });
});

describe('other renderers', () => {
  test('context bolds the quoted sentence', () => {
    const r = renderContext({ text: 'Before. The quote *here*. After.', source }, 'The quote *here*.');
    expect(r.embeds[0].description).toContain('> Before. **The quote \\*here\\*.** After.');
  });

  test('source and sources pages respect limits; pages have distinct button ids', () => {
    const info = { ...source, sentences: 10, passages: 4, firstParagraph: 'P'.repeat(9000) };
    const s = renderSource(info);
    expect(s.embeds[0].description!.length).toBeLessThanOrEqual(4096);
    const list = Array.from({ length: 23 }, (_, i) => ({ ...info, id: `id${i}`, title: 'T'.repeat(300) }));
    for (const page of [0, 1, 2, 99]) {
      const p = renderSourcesPage(list, page);
      expect(p.embeds[0].description!.length).toBeLessThanOrEqual(4096);
      const ids = p.components[0].components.map((b) => ('custom_id' in b ? b.custom_id : ''));
      expect(new Set(ids).size).toBe(2);
    }
    expect(renderSourcesPage(list, 99).embeds[0].footer!.text).toContain('Page 3 of 3');
    expect(renderSourcesPage(list.slice(0, 5), 0).components).toEqual([]);
  });

  test('helpers', () => {
    expect(formatDate('2014-12-03')).toBe('3 Dec 2014');
    expect(formatDate('sometime')).toBe('sometime');
    expect(truncate('abc def ghi', 8)).toBe('abc def…');
    expect(truncate('\\*\\*\\*', 3).endsWith('\\…')).toBe(false);
    expect(escapeText('<t:123:R> <:emoji:1> </ask:1>')).not.toMatch(/<t:|<:|<\//);
  });
});

describe('custom ids', () => {
  test('round trip and reject anything else', () => {
    for (const a of [
      { kind: 'more', key: 'Ab-_09xy', offset: 3 },
      { kind: 'context', key: 'Ab-_09xy', quote: 0 },
      { kind: 'vote', key: 'Ab-_09xy', vote: 'down' },
      { kind: 'sources', page: 12 },
    ] as const) {
      expect(decodeButton(encodeButton(a))).toEqual(a);
    }
    for (const bad of ['', 'vb', 'vb:more:key', 'vb:more:k:x', 'vb:up:k:1', 'other:more:k:1', 'vb:src:-1', `vb:more:${'k'.repeat(200)}:1`, 'vb:nope:k']) {
      expect(decodeButton(bad)).toBeUndefined();
    }
  });
});
