/**
 * A small in-memory `AnswerEngine` for tests about Discord behaviour rather than answers (rate limits,
 * reload, sharding, markdown/mention injection). Keyword overlap over a few fake articles; abstains
 * when no keyword matches; "slowly" in a question delays the answer (to exercise deferral).
 */
import type { AnswerEngine, AnswerOptions, QuoteContext, SourceInfo } from '../../src/answer/api.js';
import type { Answer, Citation, Quote } from '../../src/types.js';

interface StubArticle extends Citation {
  sentences: string[];
}

/** A quote with everything a renderer must defuse: mentions and markdown. */
export const INJECTION_SENTENCE =
  'The spokesman told @everyone and <@111111111111111111> that the **announcement** was _final_ [click](https://evil.example) `code` > quoted.';

const LONG_SENTENCE = `The long report says ${'that the committee reviewed the evidence carefully and '.repeat(90)}concluded nothing.`;

export const STUB_ARTICLES: StubArticle[] = [
  {
    id: 'coalition-001',
    file: 'coalition-001.txt',
    title: 'Coalition strikes continue in Syria',
    publisher: 'DW',
    date: '2014-12-03',
    url: 'https://www.dw.com/en/coalition-strikes/a-1',
    sentences: [
      'The coalition has flown roughly 1,000 air missions against the militants.',
      'Kerry said the coalition campaign would take time.',
      'Officials said the coalition strikes hit oil facilities.',
      'The coalition now has more than 60 partners.',
      'Coalition aircraft flew from bases in the Gulf.',
      'A coalition spokesman declined to give numbers.',
      'The militants lost ground near the coalition front.',
    ],
  },
  {
    id: 'markets-002',
    file: 'markets-002.txt',
    title: 'Markets rally after the rate decision',
    publisher: 'Reuters',
    date: '2015-01-10',
    url: null,
    sentences: ['Markets rallied after the central bank held rates.', INJECTION_SENTENCE, 'Traders expect another announcement in March.'],
  },
  {
    id: 'report-003',
    file: 'report-003.txt',
    title: 'A very long report',
    publisher: null,
    date: null,
    url: 'https://example.org/report',
    sentences: [LONG_SENTENCE, 'The report was published on Monday.'],
  },
];

const STOP = new Set(['the', 'and', 'what', 'who', 'how', 'many', 'has', 'have', 'did', 'does', 'was', 'were', 'for', 'with', 'about', 'that', 'this', 'are', 'is', 'slowly', 'please']);

export const STUB_NO_ANSWER = "The articles I have don't answer that. (stub)";

export interface StubEngineOptions {
  buildId?: string;
  articles?: StubArticle[];
  /** Delay for questions containing "slowly" (default 600 ms). */
  slowMs?: number;
}

/**
 * @example
 * const engine = createStubEngine({ buildId: 'stub-1' });
 * (await engine.answer('How many missions has the coalition flown?')).quotes.length; // 3
 */
export function createStubEngine(options: StubEngineOptions = {}): AnswerEngine & { calls: string[] } {
  const articles = options.articles ?? STUB_ARTICLES;
  const flat: { article: StubArticle; local: number; text: string; start: number; end: number }[] = [];
  const texts = articles.map((a) => {
    let text = '';
    a.sentences.forEach((s, local) => {
      if (text) text += ' ';
      flat.push({ article: a, local, text: s, start: text.length, end: text.length + s.length });
      text += s;
    });
    return text;
  });
  const citation = (a: StubArticle): Citation => ({ id: a.id, file: a.file, title: a.title, publisher: a.publisher, date: a.date, url: a.url });
  const info = (a: StubArticle, i: number): SourceInfo => ({
    ...citation(a),
    sentences: a.sentences.length,
    passages: Math.ceil(a.sentences.length / 2),
    firstParagraph: texts[i].slice(0, 300),
  });
  const calls: string[] = [];
  const slowMs = options.slowMs ?? 600;

  return {
    buildId: options.buildId ?? 'stub-build-1',
    calls,
    async answer(question: string, opts: AnswerOptions = {}): Promise<Answer> {
      calls.push(question);
      const t0 = performance.now();
      const k = Math.min(Math.max(1, opts.k ?? 3), 10);
      const offset = Math.max(0, opts.offset ?? 0);
      let q = question.replace(/<@!?\d+>/g, ' ').replace(/\s+/g, ' ').trim();
      const notices: string[] = [];
      if (q.length > 500) {
        q = q.slice(0, 500);
        notices.push('Your question was long, so I used its first 500 characters.');
      }
      if (/\bslowly\b/i.test(q)) await new Promise((r) => setTimeout(r, slowMs));
      const timings = { embedMs: 0, searchMs: 0, selectMs: 0 };
      if (!q) return { question: '', abstained: true, quotes: [], notice: 'Ask me a question about the news articles.', ms: 0, timings };
      const words = new Set(q.toLowerCase().match(/[a-z0-9]{3,}/g)?.filter((w) => !STOP.has(w)) ?? []);
      const scored = flat
        .map((s, id) => ({ s, id, score: [...words].filter((w) => s.text.toLowerCase().includes(w)).length }))
        .filter((x) => x.score > 0)
        .sort((a, b) => b.score - a.score || a.id - b.id);
      if (scored.length === 0) {
        notices.push(STUB_NO_ANSWER);
        return { question: q, abstained: true, quotes: [], notice: notices.join(' '), ms: performance.now() - t0, timings };
      }
      const quotes: Quote[] = scored.slice(offset, offset + k).map(({ s, id, score }) => ({
        text: s.text,
        source: citation(s.article),
        alsoIn: [],
        alsoQuotes: [],
        start: s.start,
        end: s.end,
        sentenceId: id,
        score,
      }));
      if (quotes.length === 0) notices.push('No more passages answer this question.');
      return { question: q, abstained: false, quotes, notice: notices.length ? notices.join(' ') : undefined, ms: performance.now() - t0, timings };
    },
    sources: async () => articles.map(info),
    source: async (id: string) => {
      const i = articles.findIndex((a) => a.id === id);
      return i < 0 ? undefined : info(articles[i], i);
    },
    async context(sentenceId: number, radius = 2): Promise<QuoteContext | undefined> {
      const s = flat[sentenceId];
      if (!s) return undefined;
      const from = flat.findIndex((x) => x.article === s.article && x.local === Math.max(0, s.local - radius));
      const last = Math.min(s.article.sentences.length - 1, s.local + radius);
      const to = flat.findIndex((x) => x.article === s.article && x.local === last);
      const text = texts[articles.indexOf(s.article)].slice(flat[from].start, flat[to].end);
      return { text, source: citation(s.article) };
    },
  };
}

/** Many articles, for paging and autocomplete limits, e.g. `createStubEngine({ articles: manyArticles(23) })`. */
export function manyArticles(n: number): StubArticle[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `art-${String(i).padStart(3, '0')}`,
    file: `art-${i}.txt`,
    title: `${['Kerry', 'Markets', 'Iran', 'Weather'][i % 4]} story number ${i}`,
    publisher: i % 2 ? 'AP' : 'Reuters',
    date: '2015-02-01',
    url: `https://news.example/${i}`,
    sentences: [`Story ${i} begins here.`, `It mentions topic ${i % 4}.`],
  }));
}
