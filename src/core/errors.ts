import type { ExpectedVersion } from './envelope.ts';

export interface FieldError {
  path: string;
  message: string;
}

/**
 * Base of every error the product raises on purpose; anything else is a bug. Each error describes
 * the problem it is (RFC 9457): `code` is the problem `type`, with its HTTP status and title, so any
 * module can add refusals without registering them anywhere.
 */
export abstract class EventLogError extends Error {
  /** The problem type: a short slug, e.g. `concurrency-conflict`. */
  abstract readonly code: string;
  abstract readonly status: number;
  abstract readonly title: string;
  /** Seconds a client should wait before retrying; sent as `Retry-After`. */
  readonly retryAfterSeconds?: number;
  /** Extension members of the problem document (RFC 9457 section 3.2). */
  problemDetails(): Record<string, unknown> {
    return {};
  }
}

/** The base of an error that is always one problem: `class EmailTaken extends ProblemError('email-taken', 409, 'Email taken') {}`. */
export const ProblemError = (code: string, status: number, title: string) =>
  class extends EventLogError {
    readonly code = code;
    readonly status = status;
    readonly title = title;
  };

export class ValidationError extends ProblemError('validation-error', 400, 'Invalid request') {
  readonly errors: FieldError[];
  constructor(errors: FieldError[], detail?: string) {
    super(detail ?? errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; '));
    this.errors = errors;
  }
  override problemDetails(): Record<string, unknown> {
    return { errors: this.errors };
  }
}

export class ConcurrencyError extends ProblemError('concurrency-conflict', 409, 'Expected version does not hold') {
  readonly streamId: string;
  readonly expectedVersion: ExpectedVersion;
  readonly currentVersion: number;
  constructor(streamId: string, expectedVersion: ExpectedVersion, currentVersion: number) {
    super(`stream ${streamId} is at version ${currentVersion}, expected ${String(expectedVersion)}`);
    this.streamId = streamId;
    this.expectedVersion = expectedVersion;
    this.currentVersion = currentVersion;
  }
  override problemDetails(): Record<string, unknown> {
    return { streamId: this.streamId, expectedVersion: this.expectedVersion, currentVersion: this.currentVersion };
  }
}

/** An event id the client chose is already used in the stream (and no Idempotency-Key makes it a replay). */
export class DuplicateEventIdError extends ProblemError('duplicate-event-id', 409, 'Event id already in the stream') {
  readonly streamId: string;
  readonly eventIds: string[];
  constructor(streamId: string, eventIds: string[]) {
    super(`stream ${streamId} already holds event id(s) ${eventIds.join(', ')}`);
    this.streamId = streamId;
    this.eventIds = eventIds;
  }
  override problemDetails(): Record<string, unknown> {
    return { streamId: this.streamId, eventIds: this.eventIds };
  }
}

export class IdempotencyKeyReusedError extends ProblemError('idempotency-key-reused', 422, 'Idempotency-Key reused with a different request') {
  readonly streamId: string;
  readonly idempotencyKey: string;
  constructor(streamId: string, idempotencyKey: string) {
    super(`Idempotency-Key "${idempotencyKey}" was already used on stream ${streamId} with a different request`);
    this.streamId = streamId;
    this.idempotencyKey = idempotencyKey;
  }
}

export class NotFoundError extends ProblemError('not-found', 404, 'Not found') {}

/** A request the current state does not allow (the resource exists, the operation does not apply to it). */
export class ConflictError extends EventLogError {
  readonly code: string;
  readonly status = 409;
  readonly title: string;
  constructor(code: string, title: string, detail: string) {
    super(detail);
    this.code = code;
    this.title = title;
  }
}

export class StoreUnavailableError extends ProblemError('store-unavailable', 503, 'Event store unavailable') {
  override readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds = 1, options?: { cause?: unknown }) {
    super(message, options);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
