import { ValidationError, type ExpectedVersion } from '../../core/index.ts';

/** `If-Match: "<version>"` (or `*`: the stream exists) as an expected version. */
export const parseIfMatch = (header: string | undefined): ExpectedVersion | undefined => {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === '*') return 'exists';
  const match = /^(?:W\/)?"?([0-9]{1,15})"?$/.exec(value);
  if (!match) throw new ValidationError([{ path: 'header.If-Match', message: 'must be a quoted stream version, e.g. "3"' }]);
  return normalizeExpectedVersion(Number(match[1]));
};

export const normalizeExpectedVersion = (expected: ExpectedVersion): ExpectedVersion => (expected === 0 ? 'no_stream' : expected);
