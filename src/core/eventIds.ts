import { createHash, randomUUID } from 'node:crypto';

// Namespace of this product's name-based (RFC 9562 version 5) event ids.
const NAMESPACE = Buffer.from('6f1c1b0e4a7d4d0c9d7e2c8b5a3f9e10', 'hex');

/** A UUIDv5 of `name`: the same name always gives the same id. */
export const nameBasedUuid = (name: string): string => {
  const hash = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

/** Ids of a keyed append are derived from stream, key and position, so a retried request writes the same ids. */
export const idempotentEventId = (streamId: string, idempotencyKey: string, index: number): string =>
  nameBasedUuid(`${streamId}\n${idempotencyKey}\n${index}`);

export const newEventId = (): string => randomUUID();
