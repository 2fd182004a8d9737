import {
  ConcurrencyError,
  DuplicateEventIdError,
  EventLogError,
  IdempotencyKeyReusedError,
  NotFoundError,
  StoreUnavailableError,
  ValidationError,
  type FieldError,
} from '../core/index.ts';
import type { ApiResponse } from './types.ts';
import { PayloadTooLargeError } from './validation.ts';

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
  problem(400, 'validation-error', 'Invalid request', detail, { errors });

export const notFoundProblem = (detail: string): ApiResponse => problem(404, 'not-found', 'Not found', detail);

/** Domain errors a module adds map themselves through this hook, so the API knows no domain. */
export interface ProblemMapper {
  (error: EventLogError): ApiResponse | undefined;
}

const problemMappers: ProblemMapper[] = [];
export const registerProblemMapper = (mapper: ProblemMapper): void => {
  problemMappers.push(mapper);
};

/** The one mapping of product errors to HTTP; anything unknown is a 500 without internals. */
export const problemFromError = (error: unknown): ApiResponse => {
  if (error instanceof ValidationError) return validationProblem(error.errors, error.message);
  if (error instanceof ConcurrencyError)
    return problem(409, 'concurrency-conflict', 'Expected version does not hold', error.message, {
      streamId: error.streamId,
      expectedVersion: error.expectedVersion,
      currentVersion: error.currentVersion,
    });
  if (error instanceof DuplicateEventIdError)
    return problem(409, 'duplicate-event-id', 'Event id already in the stream', error.message, {
      streamId: error.streamId,
      eventIds: error.eventIds,
    });
  if (error instanceof IdempotencyKeyReusedError)
    return problem(422, 'idempotency-key-reused', 'Idempotency-Key reused with a different request', error.message);
  if (error instanceof PayloadTooLargeError) return problem(413, 'payload-too-large', 'Request body too large', error.message);
  if (error instanceof NotFoundError) return notFoundProblem(error.message);
  if (error instanceof StoreUnavailableError)
    return problem(503, 'store-unavailable', 'Event store unavailable', error.message, {}, {
      'retry-after': String(error.retryAfterSeconds),
    });
  if (error instanceof EventLogError) {
    for (const mapper of problemMappers) {
      const response = mapper(error);
      if (response) return response;
    }
  }
  return problem(500, 'internal-error', 'Internal error', 'The server failed to handle the request.');
};
