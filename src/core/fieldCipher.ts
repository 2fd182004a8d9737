import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ProblemError } from './errors.ts';

// One personal field as the log stores it: AES-256-GCM under its subject's key, with a fresh 96-bit
// nonce per value (NIST SP 800-38D, section 8.2.2). The additional data binds the ciphertext to its
// subject, key version and field path, so a sealed value copied to another field or subject does not open.
// Storage format: version with care.

export const SUBJECT_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const ALGORITHM = 'aes-256-gcm';

const Base64Url = z.string().regex(/^[A-Za-z0-9_-]*$/);

/** A sealed field: `sealed` names the scheme, so a reader tells it from any plain value. */
export const SealedValue = z.strictObject({
  sealed: z.literal('aes-256-gcm/1'),
  subject: z.string(),
  /** The version of the subject's key that sealed it (a key store may hold several). */
  key: z.string(),
  nonce: Base64Url,
  ciphertext: Base64Url,
  tag: Base64Url,
});
export type SealedValue = z.infer<typeof SealedValue>;

export const isSealedValue = (value: unknown): value is SealedValue =>
  typeof value === 'object' && value !== null && (value as { sealed?: unknown }).sealed === 'aes-256-gcm/1' && SealedValue.safeParse(value).success;

/** A sealed value that does not open with its subject's key: altered, moved, or sealed under another key. */
export class SealedValueError extends ProblemError('sealed-value-corrupt', 500, 'Stored personal data does not open') {}

export interface SealingKey {
  subjectId: string;
  version: string;
  key: Uint8Array;
}

/** A new random subject key (never logged, never returned over HTTP). */
export const newSubjectKey = (): Uint8Array => new Uint8Array(randomBytes(SUBJECT_KEY_BYTES));

const additionalData = (subjectId: string, version: string, path: string): Buffer => Buffer.from(JSON.stringify([subjectId, version, path]), 'utf8');

const checkKey = (key: Uint8Array): void => {
  if (key.byteLength !== SUBJECT_KEY_BYTES) throw new Error(`a subject key has ${SUBJECT_KEY_BYTES} bytes`);
};

/** Seals any JSON value of the field at `path` (its JSON text is what is encrypted). */
export const sealValue = (value: unknown, path: string, { subjectId, version, key }: SealingKey): SealedValue => {
  checkKey(key);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(subjectId, version, path));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return {
    sealed: 'aes-256-gcm/1',
    subject: subjectId,
    key: version,
    nonce: nonce.toString('base64url'),
    ciphertext: ciphertext.toString('base64url'),
    tag: cipher.getAuthTag().toString('base64url'),
  };
};

/** The value a sealed field holds; SealedValueError when the key does not open it or it was altered. */
export const openSealed = (sealed: SealedValue, path: string, key: Uint8Array): unknown => {
  checkKey(key);
  const nonce = Buffer.from(sealed.nonce, 'base64url');
  const tag = Buffer.from(sealed.tag, 'base64url');
  if (nonce.length !== NONCE_BYTES || tag.length !== TAG_BYTES) throw new SealedValueError(`the sealed value at ${path} has a malformed nonce or tag`);
  try {
    const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(sealed.subject, sealed.key, path));
    decipher.setAuthTag(tag);
    const text = Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    return JSON.parse(text) as unknown;
  } catch {
    // The message names the field, never the key or the data.
    throw new SealedValueError(`the sealed value at ${path} (subject ${sealed.subject}, key ${sealed.key}) fails authentication: altered, or not sealed with this key`);
  }
};
