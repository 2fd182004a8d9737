import type { ExpectedVersion } from './envelope.ts';
import { ConcurrencyError } from './errors.ts';

export const satisfiesExpectedVersion = (expected: ExpectedVersion, current: number): boolean => {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return current === 0;
    case 'exists':
      return current > 0;
    default:
      return current === expected;
  }
};

/** Throws the concurrency error a store reports when `expected` does not hold at `current`. */
export const assertExpectedVersion = (streamId: string, expected: ExpectedVersion, current: number): void => {
  if (!satisfiesExpectedVersion(expected, current)) throw new ConcurrencyError(streamId, expected, current);
};
