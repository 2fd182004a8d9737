import { createHash, randomBytes } from 'node:crypto';

// The one-time activation token travels only in the mail; the log keeps its hash.

/** 256 random bits, URL-safe. */
export const newActivationToken = (): string => randomBytes(32).toString('base64url');

export const hashActivationToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');
