import type { ExpectedVersion } from './envelope.ts';

export interface FieldError {
  path: string;
  message: string;
}

/** Base of every error the product raises on purpose; anything else is a bug. */
export abstract class EventLogError extends Error {
  abstract readonly code: string;
}

export class ValidationError extends EventLogError {
  readonly code = 'validation';
  readonly errors: FieldError[];
  constructor(errors: FieldError[]) {
    super(errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; '));
    this.errors = errors;
  }
}

export class ConcurrencyError extends EventLogError {
  readonly code = 'concurrency';
  readonly streamId: string;
  readonly expectedVersion: ExpectedVersion;
  readonly currentVersion: number;
  constructor(streamId: string, expectedVersion: ExpectedVersion, currentVersion: number) {
    super(`stream ${streamId} is at version ${currentVersion}, expected ${String(expectedVersion)}`);
    this.streamId = streamId;
    this.expectedVersion = expectedVersion;
    this.currentVersion = currentVersion;
  }
}

/** An event id the client chose is already used in the stream (and no Idempotency-Key makes it a replay). */
export class DuplicateEventIdError extends EventLogError {
  readonly code = 'duplicate-event-id';
  readonly streamId: string;
  readonly eventIds: string[];
  constructor(streamId: string, eventIds: string[]) {
    super(`stream ${streamId} already holds event id(s) ${eventIds.join(', ')}`);
    this.streamId = streamId;
    this.eventIds = eventIds;
  }
}

export class IdempotencyKeyReusedError extends EventLogError {
  readonly code = 'idempotency-key-reused';
  readonly streamId: string;
  readonly idempotencyKey: string;
  constructor(streamId: string, idempotencyKey: string) {
    super(`Idempotency-Key "${idempotencyKey}" was already used on stream ${streamId} with a different request`);
    this.streamId = streamId;
    this.idempotencyKey = idempotencyKey;
  }
}

export class NotFoundError extends EventLogError {
  readonly code = 'not-found';
}

export class StoreUnavailableError extends EventLogError {
  readonly code = 'store-unavailable';
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds = 1, options?: { cause?: unknown }) {
    super(message, options);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
