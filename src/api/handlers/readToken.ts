import { ValidationError } from '../../core/index.ts';

// Read continuation tokens name the next sequence to read; opaque to clients so the format may change.
const PREFIX = 'r1.';

export const encodeReadToken = (nextSequence: number): string =>
  PREFIX + Buffer.from(String(nextSequence), 'utf8').toString('base64url');

export const decodeReadToken = (token: string): number => {
  const text = token.startsWith(PREFIX) ? Buffer.from(token.slice(PREFIX.length), 'base64url').toString('utf8') : '';
  const next = /^[0-9]{1,15}$/.test(text) ? Number(text) : 0;
  if (next < 1) throw new ValidationError([{ path: 'query.continuationToken', message: 'is not a token this server issued' }]);
  return next;
};
