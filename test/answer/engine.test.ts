import { beforeAll, describe, expect, it } from 'vitest';
import { Engine, NO_ANSWER } from '../../src/answer/engine.js';
import { ExactStore } from '../../src/index/vector-store.js';
import { DEFAULT_TUNING } from '../../src/answer/tuning.js';
import { readQuestions } from '../../src/eval/datasets.js';
import { evaluate } from '../../src/eval/metrics.js';
import { seedEngine } from '../support/env.js';

let engine: Engine;
beforeAll(async () => {
  engine = await seedEngine();
});

describe('the seed questions (quality guard)', () => {
  it('answers every answerable seed question in its first quote, citing a right source, and abstains on all off-topic ones', async () => {
    const questions = readQuestions('../shared/eval/seed-questions.jsonl');
    const { metrics, results } = await evaluate(engine, questions, DEFAULT_TUNING);
    const misses = results.filter((r) => (r.unanswerable ? !r.abstained : !(r.firstQuoteHit && r.citationHit)));
    expect(misses.map((m) => `${m.id}: ${m.question} → ${m.firstQuote ?? '(abstained)'}`)).toEqual([]);
    expect(metrics.firstQuoteHit).toBe(1);
    expect(metrics.abstentionRate).toBe(1);
    expect(metrics.falseAbstentionRate).toBe(0);
    expect(metrics.rightAnswerLostRate).toBe(0);
  });

  it('tells right answers silence withheld from wrong ones it spared: silenced by force, the seed answers count as right answers lost', async () => {
    const questions = readQuestions('../shared/eval/seed-questions.jsonl');
    // A cosine floor no sentence reaches: every question is silent, the ranking unchanged.
    const silent = { ...DEFAULT_TUNING, abstain: { ...DEFAULT_TUNING.abstain, floor: 2 } };
    const { metrics, results } = await evaluate(engine, questions, silent);
    expect(metrics.falseAbstentionRate).toBe(1);
    // The sentence ranked first holds the answer for (nearly) every answerable seed question; quotes may add a neighbour.
    expect(metrics.rightAnswerLostRate).toBeGreaterThanOrEqual(0.9);
    expect(results.filter((r) => r.unanswerable).every((r) => !r.silencedRight)).toBe(true);
  });
});

describe('answers', () => {
  it('quotes exact slices of the cleaned articles, with full citations', async () => {
    for (const q of ['How many air missions has the coalition flown?', 'Who did Blinken meet at the Vatican?', 'What did Kerry say?']) {
      const answer = await engine.answer(q, { k: 5 });
      expect(answer.quotes.length).toBeGreaterThan(0);
      for (const quote of answer.quotes) {
        const article = engine.index.articles.find((a) => a.id === quote.source.id);
        expect(article).toBeDefined();
        expect(article!.text.slice(quote.start, quote.end)).toBe(quote.text);
        expect(article!.text).toContain(quote.text);
        expect(quote.source.title.length).toBeGreaterThan(0);
        expect(quote.source.file).toBe(article!.file);
      }
    }
  });

  it('shows both the DW and the Euronews sentence with "1,000" for the air missions question', async () => {
    const answer = await engine.answer('How many air missions has the coalition flown?');
    const withFigure = answer.quotes.filter((q) => q.text.includes('1,000'));
    const cited = new Set(withFigure.flatMap((q) => [q.source.file, ...q.alsoIn.map((c) => c.file)]));
    expect(cited).toEqual(new Set(['001_e9a4a54a7af6da91.txt', '002_d173e7abc9e413bc.txt']));
  });

  it('shows disagreeing figures from different dates side by side', async () => {
    const answer = await engine.answer('How many nations are in the coalition against Islamic State?', { k: 5 });
    const text = answer.quotes.map((q) => `${q.text} (${q.source.date})`).join('\n');
    expect(text).toMatch(/83 members/);
    expect(text).toMatch(/60 (nations|countries)|62 partners/);
  });

  it('pages through more passages without repeating a quote', async () => {
    const q = 'What did Kerry say about the coalition?';
    const first = await engine.answer(q, { k: 3 });
    const more = await engine.answer(q, { k: 3, offset: 3 });
    expect(more.quotes.length).toBeGreaterThan(0);
    const seen = new Set(first.quotes.map((x) => x.sentenceId));
    for (const x of more.quotes) expect(seen.has(x.sentenceId)).toBe(false);
  });

  it('abstains with a plain message and no quotes on an off-topic question', async () => {
    const answer = await engine.answer('What is the recipe for sourdough bread?');
    expect(answer.abstained).toBe(true);
    expect(answer.quotes).toEqual([]);
    expect(answer.notice).toBe(NO_ANSWER);
  });

  it('handles empty and huge questions without throwing', async () => {
    const empty = await engine.answer('   ');
    expect(empty.abstained).toBe(true);
    expect(empty.notice).toMatch(/Ask me a question/);
    const huge = await engine.answer('Who is the Pentagon spokesman? ' + 'really '.repeat(800));
    expect(huge.notice).toMatch(/first \d+ characters/);
  });

  it('gives the context around a quote and lists sources', async () => {
    const answer = await engine.answer('Who is the Pentagon spokesman?');
    const ctx = await engine.context(answer.quotes[0].sentenceId, 1);
    expect(ctx?.text).toContain(answer.quotes[0].text.split('\n').pop()!.slice(0, 30));
    expect(await engine.context(-1)).toBeUndefined();
    const sources = await engine.sources();
    expect(sources).toHaveLength(5);
    const dw = await engine.source('001_e9a4a54a7af6da91');
    expect(dw?.passages).toBeGreaterThan(0);
    expect(dw?.firstParagraph.length).toBeGreaterThan(20);
  });
});

describe('the vector-store seam', () => {
  it('answers the same with another VectorStore (exact search) in place of HNSW, the engine unchanged', async () => {
    const dim = engine.index.manifest.embedding.dim;
    const exact = new Engine(
      { ...engine.index, sentenceStore: new ExactStore(engine.index.sentenceVectors, dim), passageStore: new ExactStore(engine.index.passageVectors, dim) },
      engine.embedder,
      DEFAULT_TUNING,
      engine.reader,
    );
    const questions = readQuestions('../shared/eval/seed-questions.jsonl');
    expect(questions.length).toBeGreaterThan(10);
    for (const { question } of questions) {
      const [a, b] = [await engine.answer(question), await exact.answer(question)];
      expect(b.abstained).toBe(a.abstained);
      expect(b.quotes.map((q) => q.text)).toEqual(a.quotes.map((q) => q.text));
    }
    // And the exact store does find the true nearest vector: a stored vector is its own first hit.
    const hit = await exact.index.sentenceStore.search(engine.index.sentenceVectors.subarray(7 * dim, 8 * dim), 3);
    expect(hit[0]).toMatchObject({ id: 7 });
    expect(hit[0].score).toBeCloseTo(1, 5);
  });
});

describe('acronyms', () => {
  it('answers a question that uses an acronym the article writes out, instead of abstaining', async () => {
    const answer = await engine.answer('How many Islamic State fighters are held by the SDF?');
    expect(answer.abstained).toBe(false);
    expect(answer.quotes[0].text).toContain('Syrian Democratic Forces');
  });
});
