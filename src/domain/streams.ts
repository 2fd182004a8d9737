import { createHash } from 'node:crypto';
import type { StreamRef } from '../public/index.ts';

// Stream names of the reference domain: part of the storage format, like the event schemas.
// One stream per aggregate; the aggregate type is the part of `streamId` before the first `-`.

export const USER = 'User';
export const EMAIL_ADDRESS = 'EmailAddress';
export const POST = 'Post';
export const COMMENT = 'Comment';

/** The form an email is unique in: surrounding space trimmed, lower-cased. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/** A normalized email as an aggregate id: hex SHA-256, so any address fits `[A-Za-z0-9_.:@-]{1,128}`. */
export const emailAddressId = (normalizedEmail: string): string => createHash('sha256').update(normalizedEmail, 'utf8').digest('hex');

export const userStream = (userId: string): StreamRef => ({ aggregateType: USER, aggregateId: userId });
export const emailAddressStream = (normalizedEmail: string): StreamRef => ({
  aggregateType: EMAIL_ADDRESS,
  aggregateId: emailAddressId(normalizedEmail),
});
export const postStream = (postId: string): StreamRef => ({ aggregateType: POST, aggregateId: postId });
export const commentStream = (commentId: string): StreamRef => ({ aggregateType: COMMENT, aggregateId: commentId });
