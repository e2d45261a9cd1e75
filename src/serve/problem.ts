/**
 * JSON problem details (RFC 9457) for every refusal: what went wrong, in a shape clients can read.
 */
import http from 'node:http';
import type { FastifyReply } from 'fastify';
import type { ZodError } from 'zod';

export const PROBLEM_TYPE = 'application/problem+json';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: { path: string; message: string }[];
}

/**
 * A problem object for a status (title = the status's reason phrase).
 *
 * @example
 * problemOf(404, 'No source with id "x".'); // { type: 'about:blank', title: 'Not Found', status: 404, detail: … }
 */
export function problemOf(status: number, detail?: string, errors?: Problem['errors']): Problem {
  return { type: 'about:blank', title: http.STATUS_CODES[status] ?? 'Error', status, ...(detail ? { detail } : {}), ...(errors ? { errors } : {}) };
}

/**
 * Sends a problem response.
 *
 * @example
 * return sendProblem(reply, 401, 'Send Authorization: Bearer <key>.');
 */
export function sendProblem(reply: FastifyReply, status: number, detail?: string, errors?: Problem['errors']): FastifyReply {
  return reply.code(status).type(PROBLEM_TYPE).send(problemOf(status, detail, errors));
}

/**
 * Zod issues as `{path, message}` pairs, e.g. `[{ path: 'question', message: 'question is required' }]`.
 *
 * @example
 * sendProblem(reply, 400, 'The request body is not valid.', zodErrors(parsed.error));
 */
export function zodErrors(error: ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
}
