import type { ExpectedVersion, FieldError } from '../core/index.ts';

/** Base of every error the client raises on purpose. */
export abstract class EventLogClientError extends Error {
  abstract readonly code: string;
}

/** The body of an `application/problem+json` answer, as far as the client relies on it. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** The server answered with a problem: status, type and detail as it sent them, and the fields some problems add. */
export class EventLogProblemError extends EventLogClientError {
  readonly code = 'problem';
  readonly status: number;
  /** Problem type slug, e.g. `concurrency-conflict`, `validation-error`, `view-not-caught-up`. */
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  /** Field errors of a `validation-error`. */
  readonly errors: FieldError[];
  /** On a `concurrency-conflict`: the version the stream is at, and the version the request expected. */
  readonly currentVersion?: number;
  readonly expectedVersion?: ExpectedVersion;
  /** Seconds the server asked to wait before retrying (header `Retry-After`), when it sent one. */
  readonly retryAfterSeconds?: number;
  /** The whole problem document, extensions included. */
  readonly problem: ProblemBody;
  /** The URL that was called, when the error comes from an answer. */
  readonly url?: string;

  constructor(problem: ProblemBody, retryAfterSeconds?: number, url?: string) {
    super(`${problem.status} ${problem.type}: ${problem.detail}`);
    this.status = problem.status;
    this.type = problem.type;
    this.title = problem.title;
    this.detail = problem.detail;
    this.errors = problem.errors ?? [];
    if (typeof problem.currentVersion === 'number') this.currentVersion = problem.currentVersion;
    if (problem.expectedVersion !== undefined) this.expectedVersion = problem.expectedVersion as ExpectedVersion;
    if (retryAfterSeconds !== undefined) this.retryAfterSeconds = retryAfterSeconds;
    if (url !== undefined) this.url = url;
    this.problem = problem;
  }
}

/** No answer at all (connection refused, reset, timed out), after the retries the request allowed. */
export class EventLogUnavailableError extends EventLogClientError {
  readonly code = 'unavailable';
  readonly url: string;
  constructor(url: string, options: { cause: unknown }) {
    super(`no answer from ${url}: ${describeCause(options.cause)}`, options);
    this.url = url;
  }
}

/** An answer that is not what the contract promises (wrong shape, not JSON): a server of another version, or not our server. */
export class EventLogUnexpectedResponseError extends EventLogClientError {
  readonly code = 'unexpected-response';
  readonly status: number;
  readonly url: string;
  constructor(url: string, status: number, reason: string) {
    super(`unexpected answer from ${url} (HTTP ${status}): ${reason}`);
    this.status = status;
    this.url = url;
  }
}

const describeCause = (cause: unknown): string => {
  if (!(cause instanceof Error)) return String(cause);
  const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
  return `${cause.message}${inner}`;
};
