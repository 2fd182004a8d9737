import { createHash } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import { StoreUnavailableError, type ColdStorage } from '../../core/index.ts';

/**
 * The part of `@azure/storage-blob`'s ContainerClient the archive uses: tests hand in a double of it,
 * Azure the real client. Block blobs, uploaded whole (Put Blob, up to 5000 MiB:
 * https://learn.microsoft.com/rest/api/storageservices/put-blob).
 */
export type BlobContainer = Pick<ContainerClient, 'url' | 'getBlockBlobClient'>;

const statusOf = (error: unknown): unknown => (error as { statusCode?: unknown }).statusCode;
const errorCodeOf = (error: unknown): unknown => (error as { code?: unknown; details?: { errorCode?: unknown } }).details?.errorCode ?? (error as { code?: unknown }).code;

/** A rehydration from the Archive tier takes up to 15 hours at standard priority: ask again in an hour. */
const REHYDRATION_RETRY_SECONDS = 3600;

/**
 * The archive in an Azure Blob Storage container. Each upload carries the content's MD5, which the
 * service checks before it stores the blob (Put Blob, "Content-MD5": a mismatch is refused with 400), and
 * the archiver still reads the blob back and compares its own digest before it removes anything.
 */
export class BlobColdStorage implements ColdStorage {
  readonly kind = 'blob';
  private readonly container: BlobContainer;

  constructor(container: BlobContainer) {
    this.container = container;
  }

  locate(name: string): string {
    return `${this.container.url.replace(/\/$/, '')}/${name}`;
  }

  async put(name: string, content: Uint8Array): Promise<void> {
    await this.container.getBlockBlobClient(name).upload(content, content.byteLength, {
      blobHTTPHeaders: { blobContentType: 'application/jsonl', blobContentMD5: createHash('md5').update(content).digest() },
    });
  }

  async get(name: string): Promise<Uint8Array | undefined> {
    try {
      return await this.container.getBlockBlobClient(name).downloadToBuffer();
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      // A blob in the Archive tier is offline: reading it answers 409 BlobArchived until it is rehydrated
      // (https://learn.microsoft.com/azure/storage/blobs/archive-rehydrate-overview).
      if (statusOf(error) === 409 && errorCodeOf(error) === 'BlobArchived')
        throw new StoreUnavailableError(
          `archived segment ${this.locate(name)} is in the Archive tier (offline): rehydrate it to Cool or Hot (Set Blob Tier) and read again`,
          REHYDRATION_RETRY_SECONDS,
          { cause: error },
        );
      throw error;
    }
  }

  async delete(name: string): Promise<void> {
    await this.container.getBlockBlobClient(name).deleteIfExists({ deleteSnapshots: 'include' });
  }
}

/** The container at `url` (https://{account}.blob.core.windows.net/{container}) with the app's identity. */
export const openBlobColdStorage = async (url: string): Promise<BlobColdStorage> => {
  const [{ ContainerClient }, { DefaultAzureCredential }] = await Promise.all([import('@azure/storage-blob'), import('@azure/identity')]);
  return new BlobColdStorage(new ContainerClient(url, new DefaultAzureCredential()));
};
