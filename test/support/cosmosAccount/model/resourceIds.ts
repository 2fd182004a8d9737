import { randomUUID } from 'node:crypto';

// Resource ids (_rid) shaped as the service makes them: a database id is 4 bytes, a container id
// extends its database's with 4 more, a document's extends its container's with 8 more, all base64
// with '/' written as '-'. The SDK depends on this shape: it keeps session tokens per container only
// when the container's rid (the `x-ms-content-path` response header) decodes to exactly 8 bytes.

const encode = (bytes: Buffer): string => bytes.toString('base64').replaceAll('/', '-');
const decode = (rid: string): Buffer => Buffer.from(rid.replaceAll('-', '/'), 'base64');

const counterBytes = (value: number, length: number): Buffer => {
  const bytes = Buffer.alloc(length);
  bytes.writeUInt32LE(value >>> 0, 0);
  return bytes;
};

/** Hands out resource ids; one per account, so ids never repeat across regions. */
export class ResourceIds {
  private databases = 0;
  private containers = 0;
  private documents = 0;
  private partitionRanges = 0;

  database(): string {
    return encode(counterBytes(++this.databases, 4));
  }

  container(databaseRid: string): string {
    const bytes = counterBytes(++this.containers, 4);
    bytes[3] = 0x80; // the service marks container ids in their last byte
    return encode(Buffer.concat([decode(databaseRid), bytes]));
  }

  document(containerRid: string): string {
    return encode(Buffer.concat([decode(containerRid), counterBytes(++this.documents, 8)]));
  }

  partitionKeyRange(containerRid: string): string {
    const bytes = counterBytes(++this.partitionRanges, 8);
    bytes[7] = 0x50;
    return encode(Buffer.concat([decode(containerRid), bytes]));
  }
}

/** A new entity tag, quoted as the service sends it. */
export const newEtag = (): string => `"${randomUUID()}"`;

/** The service's `_ts`: seconds since the epoch. */
export const epochSeconds = (ms: number): number => Math.floor(ms / 1000);
