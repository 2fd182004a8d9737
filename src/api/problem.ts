import { EventLogError, ValidationError, type FieldError } from '../core/index.ts';
import type { ApiResponse } from './types.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extension: string]: unknown;
}

export const problem = (
  status: number,
  type: string,
  title: string,
  detail: string,
  extensions: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): ApiResponse => ({
  status,
  headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...headers },
  body: { type, title, status, detail, ...extensions } satisfies ProblemDetails,
});

export const validationProblem = (errors: FieldError[], detail = 'The request is not valid.'): ApiResponse =>
  problemFromError(new ValidationError(errors, detail));

export const notFoundProblem = (detail: string): ApiResponse => problem(404, 'not-found', 'Not found', detail);

/**
 * The one mapping of errors to HTTP: a product error is the problem it describes (its code is the
 * problem type); anything else, and any error of the server's own (500), is a 500 without internals.
 */
export const problemFromError = (error: unknown): ApiResponse => {
  if (!(error instanceof EventLogError) || error.status === 500)
    return problem(500, 'internal-error', 'Internal error', 'The server failed to handle the request.');
  const retryAfter: Record<string, string> =
    error.retryAfterSeconds === undefined ? {} : { 'retry-after': String(Math.max(1, Math.ceil(error.retryAfterSeconds))) };
  return problem(error.status, error.code, error.title, error.message, error.problemDetails(), retryAfter);
};
