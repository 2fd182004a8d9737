import {
  ExpectedVersionConflictError,
  NO_CONCURRENCY_CHECK,
  STREAM_DOES_NOT_EXIST,
  STREAM_EXISTS,
  ValidationError,
  type ExpectedStreamVersion,
} from '@event-driven-io/emmett';
import type { ExpectedVersion } from '../core/index.ts';

// Emmett's bigint stream positions are the log's 1-based sequences; version 0 is "no events yet".

/** A non-negative whole number given as a bigint (Emmett's type) or a safe integer, as a number. */
export const toCount = (value: unknown, name: string): number => {
  const number = typeof value === 'bigint' && value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  if (typeof number === 'number' && Number.isSafeInteger(number) && number >= 0) return number;
  throw new ValidationError(`${name} must be a non-negative bigint (or safe integer), got ${describeValue(value)}`);
};

const describeValue = (value: unknown): string =>
  typeof value === 'bigint' ? `${value}n` : typeof value === 'string' ? `"${value}"` : String(value);

export const toStreamPosition = (version: number): bigint => BigInt(version);

/** Emmett's expected stream version as the log's: the constants by name, a position as a number; none means `any`. */
export const toExpectedVersion = (expected: unknown): ExpectedVersion => {
  if (expected === undefined || expected === NO_CONCURRENCY_CHECK) return 'any';
  if (expected === STREAM_DOES_NOT_EXIST) return 'no_stream';
  if (expected === STREAM_EXISTS) return 'exists';
  if (typeof expected === 'bigint' || typeof expected === 'number') {
    const version = toCount(expected, 'expectedStreamVersion');
    return version === 0 ? 'no_stream' : version;
  }
  throw new ValidationError(
    `expectedStreamVersion must be a bigint, STREAM_DOES_NOT_EXIST, STREAM_EXISTS or NO_CONCURRENCY_CHECK, got ${describeValue(expected)}`,
  );
};

/** Emmett's conflict error, which its CommandHandler retries; `cause` keeps the log's own error, which names the stream. */
export const versionConflict = (expected: unknown, currentVersion: number, cause?: unknown): ExpectedVersionConflictError => {
  const error = new ExpectedVersionConflictError(toStreamPosition(currentVersion), (expected ?? NO_CONCURRENCY_CHECK) as ExpectedStreamVersion);
  if (cause !== undefined) Object.defineProperty(error, 'cause', { value: cause, configurable: true, writable: true });
  return error;
};
