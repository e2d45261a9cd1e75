/**
 * Training data for the reader: (question, candidate sentences, labels) groups, written as JSONL for
 * `training/train.py`. Sentences are cut by the product's own splitter, BBC articles read by the
 * product's own ingest, so the reader trains on exactly the text it will judge.
 *
 * Sources (see training/splits.json and ../shared/READER-NOTES.md):
 * - SQuAD public half, `train` articles: per question, a group with the answer sentence, other
 *   sentences of its paragraph and look-alikes from other paragraphs (sharing the question's rare
 *   words); and, for every other question, a no-answer group (the same question, the answer sentences
 *   removed, every label 0), so the score learns "answers it", not "best of this group".
 * - BBC files 001–020 of each folder: synthetic cloze questions (a number, date or name in a sentence
 *   replaced by its wh-word, Lewis et al. 2019) with same-article hard negatives, and no-answer groups.
 * - Hand-written news questions (`training/questions/`, BBC files 001–020): the answer sentence against
 *   the article's look-alikes, lede and neighbours; no-answer groups; on-topic questions the article
 *   does not answer, every label 0. Files 017–020 go to `tune`.
 * - `tune` articles: the same groups, written apart, for the figures of the model card.
 *
 * Usage: `tsx training/prepare.ts [--shared ../shared] [--out training/data]`
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { readArticle } from '../src/ingest/corpus.js';
import { splitSentences } from '../src/text/sentences.js';
import { terms } from '../src/text/terms.js';
import { writtenSplit } from '../src/eval/selection.js';

interface Group {
  question: string;
  candidates: string[];
  labels: number[];
  kind: string;
}

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const shared = arg('--shared', '../shared');
const outDir = arg('--out', 'training/data');
const here = path.dirname(new URL(import.meta.url).pathname);
const splits = JSON.parse(fs.readFileSync(path.join(here, 'splits.json'), 'utf8')) as { train: string[]; tune: string[]; test: string[] };

/** Deterministic pseudo-random in [0, 1) from a string (no global RNG: the data is reproducible). */
function unit(key: string): number {
  return crypto.createHash('sha1').update(key).digest().readUInt32BE(0) / 2 ** 32;
}

function shuffled<T>(items: T[], key: string): T[] {
  return items.map((x, i) => ({ x, r: unit(`${key}:${i}`) })).sort((a, b) => a.r - b.r).map((e) => e.x);
}

/** IDF-weighted share of the question's terms a sentence holds: how "look-alike" a negative is. */
function overlap(qTerms: Set<string>, sentence: string, idf: Map<string, number>): number {
  let got = 0;
  let all = 0;
  const s = new Set(terms(sentence));
  for (const t of qTerms) {
    const w = idf.get(t) ?? 1;
    all += w;
    if (s.has(t)) got += w;
  }
  return all ? got / all : 0;
}

function idfOf(texts: string[]): Map<string, number> {
  const df = new Map<string, number>();
  for (const t of texts) for (const term of new Set(terms(t))) df.set(term, (df.get(term) ?? 0) + 1);
  const idf = new Map<string, number>();
  for (const [t, n] of df) idf.set(t, Math.log(1 + texts.length / n));
  return idf;
}

// ---------------------------------------------------------------- SQuAD
interface SquadDoc {
  title: string;
  paragraphs: { context: string; qas: { id: string; question: string; answers: { text: string; answer_start: number }[] }[] }[];
}

function squadGroups(docs: SquadDoc[], titles: string[], kindPrefix: string): Group[] {
  const groups: Group[] = [];
  for (const doc of docs.filter((d) => titles.includes(d.title))) {
    const paras = doc.paragraphs.map((p) => splitSentences(p.context).map((s) => ({ ...s, text: p.context.slice(s.start, s.end) })));
    const all = paras.flatMap((ss, p) => ss.map((s) => ({ ...s, p })));
    const idf = idfOf(all.map((s) => s.text));
    doc.paragraphs.forEach((para, p) => {
      for (const qa of para.qas) {
        const answers = qa.answers.map((a) => a.text.toLowerCase());
        const holds = (t: string) => answers.some((a) => t.toLowerCase().includes(a));
        const start = qa.answers[0].answer_start;
        const gold = paras[p].find((s) => start >= s.start && start < s.end && holds(s.text));
        if (!gold) continue;
        const qTerms = new Set(terms(qa.question));
        // Negatives never hold an answer string: a sentence that does is not clearly wrong.
        const sameParagraph = shuffled(paras[p].filter((s) => s !== gold && !holds(s.text)), qa.id).map((s) => s.text);
        const lookAlikes = all
          .filter((s) => s.p !== p && !holds(s.text))
          .map((s) => ({ text: s.text, o: overlap(qTerms, s.text, idf) }))
          .sort((a, b) => b.o - a.o)
          .slice(0, 3)
          .map((s) => s.text);
        const pos = [gold.text, ...sameParagraph.slice(0, 4), ...lookAlikes.slice(0, 2)];
        groups.push({ question: qa.question, candidates: pos, labels: pos.map((_, i) => (i === 0 ? 1 : 0)), kind: `${kindPrefix}` });
        // Half the questions also come without their answer: the group an unanswerable question sees.
        if (unit(`noans:${qa.id}`) < 0.5) {
          const neg = [...sameParagraph.slice(0, 3), ...lookAlikes.slice(0, 3)];
          if (neg.length >= 2) groups.push({ question: qa.question, candidates: neg, labels: neg.map(() => 0), kind: `${kindPrefix}-noanswer` });
        }
      }
    });
  }
  return groups;
}

// ---------------------------------------------------------------- BBC cloze questions
const MONTH = '(?:January|February|March|April|May|June|July|August|September|October|November|December)';
/** Spans that a wh-word can replace, most specific first. */
const CLOZES: { wh: string; re: RegExp }[] = [
  { wh: 'how much', re: /[$£€]\s?\d[\d,.]*\s?(?:bn|m|billion|million|trillion)?/ },
  { wh: 'when', re: new RegExp(`\\b(?:in |on )?(?:\\d{1,2} )?${MONTH}(?: \\d{1,2})?(?:,? \\d{4})?|\\bin (?:19|20)\\d\\d\\b`) },
  { wh: 'what percentage', re: /\b\d[\d.]*\s?%|\b\d[\d.]* per ?cent\b/ },
  { wh: 'how many', re: /\b\d[\d,.]*(?:\s(?:million|billion|thousand))?(?=\s[a-z]{3,})/ },
  // Two or more capitalised words, not at the sentence start: a person or organisation.
  { wh: 'who', re: /(?<=\S\s)(?:[A-Z][a-z]+\s){1,2}[A-Z][a-z]+(?=\s(?:said|says|told|added|is|was|has|will|who|,))/ },
];

const STOP_HEAD = /^(?:the|a|an|and|but|it|its|this|that|he|she|they|in|on|at|for|of)\s/i;

/** "It will employ 1,200 people in Leeds." → "how many people will employ in Leeds?"-like cloze question. */
function clozeQuestion(sentence: string, key: string): { question: string; span: string } | null {
  for (const { wh, re } of CLOZES) {
    const m = re.exec(sentence);
    if (!m || m[0].trim().length < 2) continue;
    const before = sentence.slice(0, m.index).replace(/[,;:]\s*$/, '').trim();
    let after = sentence.slice(m.index + m[0].length).replace(/[.!?"”’]+$/, '').trim();
    // "how many" keeps the counted noun next to it ("how many people"), as a real question does.
    let head = wh;
    if (wh === 'how many') {
      const noun = /^([a-z]+)\b/.exec(after);
      if (noun) {
        head = `${wh} ${noun[1]}`;
        after = after.slice(noun[0].length).trim();
      }
    }
    // Keep a window of words around the span: real questions are short and never copy the sentence.
    const left = before.split(/\s+/).filter(Boolean);
    const right = after.split(/\s+/).filter(Boolean);
    const keepLeft = left.slice(Math.max(0, left.length - (6 + Math.floor(unit(key + 'l') * 5))));
    const keepRight = right.slice(0, 3 + Math.floor(unit(key + 'r') * 5));
    const body = [...keepLeft, ...keepRight].join(' ').replace(STOP_HEAD, '').replace(/[,;:]$/, '');
    if (body.split(' ').length < 3) continue;
    const q = `${head[0].toUpperCase()}${head.slice(1)} ${body}?`.replace(/\s+/g, ' ');
    return { question: q, span: m[0].trim() };
  }
  return null;
}

async function bbcGroups(root: string): Promise<Group[]> {
  const groups: Group[] = [];
  for (const folder of ['business', 'entertainment', 'politics', 'sport', 'tech']) {
    for (let n = 1; n <= 20; n++) {
      const rel = `${folder}/${String(n).padStart(3, '0')}.txt`;
      const { article } = await readArticle(root, rel);
      const sentences = splitSentences(article.text).map((s) => article.text.slice(s.start, s.end)).filter((t) => t.length > 30);
      const idf = idfOf(sentences);
      let made = 0;
      for (const [i, s] of shuffled(sentences.map((t, i) => [i, t] as const), rel)) {
        if (made >= 6) break;
        const cloze = clozeQuestion(s, `${rel}:${i}`);
        if (!cloze) continue;
        made++;
        const qTerms = new Set(terms(cloze.question));
        // Hard negatives: the article's sentences sharing most of the question's words (its names),
        // the lede, and the neighbours; none may hold the span.
        const others = sentences
          .map((t, j) => ({ t, j, o: overlap(qTerms, t, idf) }))
          .filter((x) => x.j !== i && !x.t.includes(cloze.span));
        const hard = [...others].sort((a, b) => b.o - a.o).slice(0, 3);
        const extra = others.filter((x) => x.j === 0 || Math.abs(x.j - i) === 1 || x === others[Math.floor(unit(rel + i) * others.length)]);
        const negs = [...new Set([...hard, ...extra].map((x) => x.t))].slice(0, 5);
        if (negs.length < 2) continue;
        groups.push({ question: cloze.question, candidates: [s, ...negs], labels: [1, ...negs.map(() => 0)], kind: 'bbc-cloze' });
        if (unit(`bbc-noans:${rel}:${i}`) < 0.6) groups.push({ question: cloze.question, candidates: negs, labels: negs.map(() => 0), kind: 'bbc-cloze-noanswer' });
      }
    }
  }
  return groups;
}

// ---------------------------------------------------------------- hand-written news questions
/**
 * `training/questions/*.jsonl`: questions written by people about BBC files 001–020 (the files
 * READER-NOTES allows), each with the one sentence that answers it, or `answer: null` for an on-topic
 * question the article does not answer. These teach what SQuAD and the cloze questions cannot: a
 * paraphrased news question, the lede that repeats its words without the fact, and a question about
 * the story's own names that the story leaves open.
 */
interface WrittenQuestion {
  file: string;
  question: string;
  answer: string | null;
}


async function writtenGroups(root: string, dir: string): Promise<{ train: Group[]; tune: Group[]; skipped: number }> {
  const out = { train: [] as Group[], tune: [] as Group[], skipped: 0 };
  if (!fs.existsSync(dir)) return out;
  const questions: WrittenQuestion[] = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as WrittenQuestion));
  const norm = (t: string) => t.replace(/\s+/g, ' ').trim();
  const articles = new Map<string, string[]>();
  for (const q of questions) {
    if (!/^(business|entertainment|politics|sport|tech)\/0(0\d|1\d|20)\.txt$/.test(q.file)) throw new Error(`${q.file}: only BBC files 001–020 may be trained on`);
    let sentences = articles.get(q.file);
    if (!sentences) {
      const { article } = await readArticle(root, q.file);
      sentences = splitSentences(article.text).map((s) => article.text.slice(s.start, s.end));
      articles.set(q.file, sentences);
    }
    const idf = idfOf(sentences);
    const qTerms = new Set(terms(q.question));
    const key = `${q.file}:${q.question}`;
    const target = out[writtenSplit(q.file)];
    // The answer as the product's splitter cuts it: the longest piece of the written sentence.
    const pieces = q.answer === null ? [] : sentences.map((t, i) => ({ t, i })).filter(({ t }) => norm(q.answer as string).includes(norm(t)) || norm(t).includes(norm(q.answer as string)));
    if (q.answer !== null && pieces.length === 0) {
      out.skipped++;
      continue;
    }
    const gold = pieces.sort((a, b) => b.t.length - a.t.length)[0];
    const excluded = new Set(pieces.map((p) => p.i));
    const others = sentences.map((t, i) => ({ t, i, o: overlap(qTerms, t, idf) })).filter((x) => !excluded.has(x.i) && x.t.length > 20);
    // Hard negatives: the sentences sharing most of the question's words, the lede, the neighbours.
    const hard = [...others].sort((a, b) => b.o - a.o).slice(0, 4);
    const near = others.filter((x) => x.i === 0 || (gold && Math.abs(x.i - gold.i) === 1));
    const negs = [...new Set([...hard, ...near].map((x) => x.t))].slice(0, 6);
    if (negs.length < 2) continue;
    if (gold) {
      target.push({ question: q.question, candidates: [gold.t, ...negs], labels: [1, ...negs.map(() => 0)], kind: 'news' });
      if (unit(`news-noans:${key}`) < 0.5) target.push({ question: q.question, candidates: negs, labels: negs.map(() => 0), kind: 'news-noanswer' });
    } else {
      target.push({ question: q.question, candidates: negs, labels: negs.map(() => 0), kind: 'news-unanswerable' });
    }
  }
  return out;
}

// ---------------------------------------------------------------- main
const squad = JSON.parse(fs.readFileSync(path.join(shared, 'datasets/squad-dev-v1.1-public.json'), 'utf8')) as { data: SquadDoc[] };
const bbcRoot = path.join(shared, 'datasets/bbc-news');
const written = await writtenGroups(bbcRoot, path.join(here, 'questions'));
if (written.skipped) process.stderr.write(`${written.skipped} written questions skipped: their answer is not a sentence of the article\n`);
// The written news groups are few beside SQuAD's: each is seen twice per pass.
const train = [
  ...squadGroups(squad.data, splits.train, 'squad'),
  ...(await bbcGroups(bbcRoot)),
  ...written.train,
  ...written.train,
];
const tune = [...squadGroups(squad.data, splits.tune, 'squad'), ...written.tune];
fs.mkdirSync(outDir, { recursive: true });
const write = (name: string, groups: Group[]) => fs.writeFileSync(path.join(outDir, name), groups.map((g) => JSON.stringify(g)).join('\n') + '\n');
write('train.jsonl', shuffled(train, 'train'));
write('tune.jsonl', tune);
const count = (gs: Group[]) => {
  const byKind = new Map<string, { groups: number; pairs: number }>();
  for (const g of gs) {
    const k = byKind.get(g.kind) ?? { groups: 0, pairs: 0 };
    k.groups++;
    k.pairs += g.candidates.length;
    byKind.set(g.kind, k);
  }
  return Object.fromEntries(byKind);
};
const stats = { train: count(train), tune: count(tune) };
fs.writeFileSync(path.join(outDir, 'stats.json'), JSON.stringify(stats, null, 2));
process.stdout.write(`${JSON.stringify(stats)}\n`);
