import { createHash } from 'node:crypto';
import type { BlobContainer } from '../../src/stores/archive/blobColdStorage.ts';

/**
 * An in-process double of the part of `@azure/storage-blob`'s ContainerClient the archive uses: block
 * blobs uploaded whole, downloaded whole, deleted. Like the service it refuses an upload whose
 * Content-MD5 does not match the body (400 Md5Mismatch, https://learn.microsoft.com/rest/api/storageservices/put-blob)
 * and answers 404 for a blob that is not there. `corrupt` changes a stored blob behind the client's back.
 */
export class BlobContainerDouble {
  readonly url = 'https://archive.blob.core.windows.net/archive';
  readonly blobs = new Map<string, Buffer>();
  /** Blobs moved to the Archive tier (offline: reads answer 409 BlobArchived). */
  readonly archiveTier = new Set<string>();
  uploads = 0;

  corrupt(name: string): void {
    const blob = this.blobs.get(name);
    if (blob !== undefined) this.blobs.set(name, Buffer.concat([blob, Buffer.from('x')]));
  }

  asContainer(): BlobContainer {
    return this as unknown as BlobContainer;
  }

  getBlockBlobClient(name: string) {
    const fail = (statusCode: number, message: string) => Object.assign(new Error(message), { statusCode });
    return {
      upload: async (body: Uint8Array, length: number, options?: { blobHTTPHeaders?: { blobContentMD5?: Uint8Array } }) => {
        if (body.byteLength !== length) throw fail(400, 'content length mismatch');
        const md5 = options?.blobHTTPHeaders?.blobContentMD5;
        if (md5 !== undefined && !Buffer.from(md5).equals(createHash('md5').update(body).digest())) throw fail(400, 'Md5Mismatch');
        this.uploads++;
        this.blobs.set(name, Buffer.from(body));
        return {};
      },
      downloadToBuffer: async () => {
        const blob = this.blobs.get(name);
        if (blob === undefined) throw fail(404, 'BlobNotFound');
        if (this.archiveTier.has(name)) throw Object.assign(fail(409, 'This operation is not permitted on an archived blob.'), { code: 'BlobArchived' });
        return Buffer.from(blob);
      },
      deleteIfExists: async () => ({ succeeded: this.blobs.delete(name) }),
    };
  }
}
