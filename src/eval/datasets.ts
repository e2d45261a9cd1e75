/**
 * Evaluation inputs: question files (JSONL, `../shared/README.md` format) and SQuAD v1.1 JSON, turned
 * into questions with expectations, and SQuAD paragraphs into articles (one per paragraph).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { z } from 'zod';
import type { Article } from '../types.js';

export interface EvalQuestion {
  id: string;
  question: string;
  /** Any one of these (case-insensitive) in the first quote counts as a hit. */
  answers: string[];
  /** Corpus files (relative paths or base names) that answer it; the first quote should cite one. */
  sources: string[];
  unanswerable: boolean;
}

const questionLine = z.object({
  id: z.union([z.string(), z.number()]).optional(),
  question: z.string(),
  answers: z.array(z.string()).optional(),
  sources: z.array(z.string()).optional(),
  unanswerable: z.boolean().optional(),
});

/**
 * Reads a JSONL question file; a malformed line is an error naming the line.
 *
 * @example
 * readQuestions('../shared/eval/seed-questions.jsonl')[0].answers; // ['Brussels', 'NATO headquarters']
 */
export function readQuestions(file: string): EvalQuestion[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const out: EvalQuestion[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let parsed;
    try {
      parsed = questionLine.parse(JSON.parse(line));
    } catch (e) {
      throw new Error(`${file}:${i + 1}: not a question line (${(e as Error).message.split('\n')[0]})`);
    }
    out.push({
      id: String(parsed.id ?? `q${i + 1}`),
      question: parsed.question,
      answers: parsed.answers ?? [],
      sources: parsed.sources ?? [],
      unanswerable: parsed.unanswerable ?? false,
    });
  });
  return out;
}

const squadSchema = z.object({
  data: z.array(
    z.object({
      title: z.string(),
      paragraphs: z.array(
        z.object({
          context: z.string(),
          qas: z.array(z.object({ id: z.string(), question: z.string(), answers: z.array(z.object({ text: z.string() })) })),
        }),
      ),
    }),
  ),
});

/**
 * SQuAD v1.1 → one article per paragraph (title = the article's title) and every question with answers.
 *
 * @example
 * const { articles, questions } = readSquad('../shared/datasets/squad-dev-v1.1-public.json');
 * articles.length; // 2067
 */
export function readSquad(file: string): { articles: Article[]; questions: EvalQuestion[] } {
  const articles: Article[] = [];
  const questions: EvalQuestion[] = [];
  for (const doc of readSquadDocs(file)) {
    for (const p of doc.paragraphs) {
      articles.push(p.article);
      questions.push(...p.questions);
    }
  }
  return { articles, questions };
}

/** One SQuAD article: its Wikipedia title (`Super_Bowl_50`) and its paragraphs, each as an article with its questions. */
export interface SquadDoc {
  title: string;
  paragraphs: { article: Article; questions: EvalQuestion[] }[];
}

/**
 * SQuAD v1.1 → its articles in file order, each paragraph an `Article` (file `NN-Title/PPP`) with its
 * answerable questions; what `readSquad` flattens.
 *
 * @example
 * readSquadDocs('../shared/datasets/squad-dev-v1.1-public.json')[0].title; // 'Super_Bowl_50'
 */
export function readSquadDocs(file: string): SquadDoc[] {
  const parsed = squadSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  return parsed.data.map((doc, d) => {
    const title = doc.title.replace(/_/g, ' ');
    return {
      title: doc.title,
      paragraphs: doc.paragraphs.map((p, i) => {
        const rel = `${String(d).padStart(2, '0')}-${doc.title}/${String(i).padStart(3, '0')}`;
        const article: Article = {
          id: rel,
          file: rel,
          title,
          publisher: 'Wikipedia (SQuAD)',
          date: null,
          url: null,
          text: p.context,
          hash: crypto.createHash('sha256').update(title + '\n' + p.context).digest('hex'),
        };
        const questions = p.qas
          .filter((qa) => qa.answers.length > 0)
          .map((qa) => ({ id: qa.id, question: qa.question, answers: qa.answers.map((a) => a.text), sources: [rel], unanswerable: false }));
        return { article, questions };
      }),
    };
  });
}
