/**
 * `/openapi.json`: the OpenAPI document, generated from the same zod schemas that validate the
 * requests (schemas.ts) by zod-to-json-schema. Version 3.0.3, because its openApi3 target writes 3.0
 * schema objects (`nullable`).
 */
import { zodToJsonSchema } from 'zod-to-json-schema';
import type { ZodTypeAny } from 'zod';
import * as s from './schemas.js';

const json = (schema: ZodTypeAny) => zodToJsonSchema(schema, { target: 'openApi3', $refStrategy: 'none' });

/** Query or path parameters of an object schema, as OpenAPI parameter objects. */
function parameters(schema: ZodTypeAny, where: 'query' | 'path') {
  const obj = json(schema) as { properties?: Record<string, { description?: string }>; required?: string[] };
  return Object.entries(obj.properties ?? {}).map(([name, schema]) => ({
    name,
    in: where,
    required: where === 'path' || (obj.required ?? []).includes(name),
    ...(schema.description ? { description: schema.description } : {}),
    schema,
  }));
}

const problems = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((st) => [String(st), { description: PROBLEM_TEXT[st] ?? 'Problem', content: { 'application/problem+json': { schema: json(s.problem) } } }]));
const ok = (schema: ZodTypeAny, description: string) => ({ '200': { description, content: { 'application/json': { schema: json(schema) } } } });

const PROBLEM_TEXT: Record<number, string> = {
  400: 'Bad request: what is wrong is in `detail` and `errors`',
  401: 'Missing or wrong API key',
  404: 'Not found',
  409: 'The sentence id belongs to another index build',
  413: 'Request body too large',
  429: 'Too many requests: wait `Retry-After` seconds',
  503: 'The index is not loaded yet',
};

/**
 * The whole document; `secured` adds the bearer scheme to the /v1 routes.
 *
 * @example
 * app.get('/openapi.json', () => openApiDocument(true));
 */
export function openApiDocument(secured: boolean): Record<string, unknown> {
  const security = secured ? { security: [{ bearer: [] }] } : {};
  const v1 = (op: Record<string, unknown>) => ({ ...op, ...security });
  return {
    openapi: '3.0.3',
    info: {
      title: 'Verbatim answer service',
      version: '1',
      description: 'Answers questions about a corpus of news articles by quoting the exact sentences that answer them, each with its source; abstains when the corpus does not answer.',
    },
    components: secured ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } : {},
    paths: {
      '/v1/answers': {
        post: v1({
          summary: 'Answer a question (the same JSON as `npm run ask -- --json`)',
          requestBody: { required: true, content: { 'application/json': { schema: json(s.answerRequest) } } },
          responses: { ...ok(s.answer, 'The answer; header x-verbatim-build names the index build'), ...problems(400, 401, 413, 429, 503) },
        }),
      },
      '/v1/sources': {
        get: v1({ summary: 'The articles, paged, optionally filtered by text', parameters: parameters(s.sourcesQuery, 'query'), responses: { ...ok(s.sourcesPage, 'One page of sources'), ...problems(400, 401, 429, 503) } }),
      },
      '/v1/sources/{id}': {
        get: v1({ summary: 'One article', parameters: parameters(s.sourceParams, 'path'), responses: { ...ok(s.sourceInfo, 'The source'), ...problems(401, 404, 429, 503) } }),
      },
      '/v1/context/{sentenceId}': {
        get: v1({
          summary: 'The sentences around a quoted one ("Show context"), with the quoted one located',
          parameters: [...parameters(s.contextParams, 'path'), ...parameters(s.contextQuery, 'query')],
          responses: { ...ok(s.quoteContext, 'The context'), ...problems(400, 401, 404, 409, 429, 503) },
        }),
      },
      '/healthz': { get: { summary: 'The process is alive', responses: ok(s.health, 'Alive') } },
      '/readyz': {
        get: { summary: 'The index and model are loaded', responses: { ...ok(s.readiness, 'Ready, with the build id'), '503': { description: 'Not ready yet', content: { 'application/json': { schema: json(s.readiness) } } } } },
      },
      '/metrics': { get: { summary: 'Prometheus metrics', ...security, responses: { '200': { description: 'Prometheus text format', content: { 'text/plain': {} } } } } },
    },
  };
}
