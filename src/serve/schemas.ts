/**
 * The service's wire schemas (zod): request schemas validate what comes in, response schemas document
 * what goes out; `/openapi.json` is generated from both (openapi.ts), so the document and the checks
 * cannot drift apart. Responses are the engine's own objects serialized as they are (the same
 * `JSON.stringify(answer)` as `ask --json`), never rebuilt field by field.
 */
import { z } from 'zod';

/** An integer from a query string or a JSON body ("3" and 3 alike). */
const int = (min: number, max: number) => z.coerce.number({ invalid_type_error: 'expected a number' }).int('expected a whole number').min(min).max(max);

export const answerRequest = z
  .object({
    question: z.string({ required_error: 'question is required', invalid_type_error: 'question must be a string' }).max(4000),
    k: int(1, 10).optional().describe('how many quotes (default 3)'),
    offset: int(0, 1000).optional().describe('skip this many quotes first ("More")'),
  })
  .strict();
export type AnswerRequest = z.infer<typeof answerRequest>;

export const sourcesQuery = z
  .object({
    q: z.string().max(200).optional().describe('text filter: title, id or publisher (ranked like /source autocomplete)'),
    offset: int(0, 1_000_000).default(0),
    limit: int(1, 500).default(20),
  })
  .strict();

export const sourceParams = z.object({ id: z.string().min(1).max(500) });

export const contextParams = z.object({ sentenceId: int(0, 2 ** 31) });
export const contextQuery = z
  .object({
    radius: int(0, 10).default(2).describe('sentences either side'),
    build: z.string().max(200).optional().describe('the build id the sentence id comes from (the answer\'s x-verbatim-build header); 409 when another build is served'),
  })
  .strict();

export const citation = z.object({
  id: z.string(),
  file: z.string(),
  title: z.string(),
  publisher: z.string().nullable(),
  date: z.string().nullable(),
  url: z.string().nullable(),
});

export const quote = z.object({
  text: z.string().describe('verbatim from the cleaned article'),
  source: citation,
  alsoIn: z.array(citation),
  alsoQuotes: z.array(z.object({ text: z.string(), source: citation, start: z.number(), end: z.number() })),
  start: z.number(),
  end: z.number(),
  sentenceId: z.number().int(),
  score: z.number(),
});

export const answer = z.object({
  question: z.string(),
  abstained: z.boolean(),
  tentative: z.boolean().optional().describe('the quotes are the closest the articles have, not a sure answer'),
  quotes: z.array(quote),
  notice: z.string().optional(),
  ms: z.number(),
  timings: z.object({ embedMs: z.number(), searchMs: z.number(), selectMs: z.number(), readMs: z.number().optional(), readPairs: z.number().int().optional().describe('question–sentence pairs the reader read') }),
});

export const sourceInfo = citation.extend({ sentences: z.number().int(), passages: z.number().int(), firstParagraph: z.string() });

export const sourcesPage = z.object({
  total: z.number().int().describe('sources matching the filter'),
  offset: z.number().int(),
  limit: z.number().int(),
  sources: z.array(sourceInfo),
});

export const quoteContext = z.object({
  text: z.string().describe('the sentences around the quoted one, verbatim'),
  source: citation,
  sentence: z.object({ start: z.number().int(), end: z.number().int() }).describe('where the quoted sentence sits in `text` (to highlight it)'),
});

export const problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

export const health = z.object({ ok: z.literal(true) });
export const readiness = z.object({ ready: z.boolean(), buildId: z.string().nullable(), articles: z.number().int().optional(), error: z.string().optional() });
