import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { ColdStorage } from '../core/index.ts';
import { DirectoryColdStorage } from './archive/directoryColdStorage.ts';
import { MemoryColdStorage } from './archive/memoryColdStorage.ts';

/**
 * The archive the configuration names: a blob container (ARCHIVE_CONTAINER_URL), a directory
 * (ARCHIVE_DIR, by default DATA_DIR/archive beside the SQLite log), memory beside the memory store.
 * Undefined for Cosmos DB without a container: streams can be closed there, not archived.
 */
export const openColdStorage = async (config: Config): Promise<ColdStorage | undefined> => {
  if (config.ARCHIVE_CONTAINER_URL !== undefined) {
    // Loaded on demand, so the embedded stores never load the Blob Storage SDK.
    const { openBlobColdStorage } = await import('./archive/blobColdStorage.ts');
    return openBlobColdStorage(config.ARCHIVE_CONTAINER_URL);
  }
  if (config.ARCHIVE_DIR !== undefined) return new DirectoryColdStorage(config.ARCHIVE_DIR);
  if (config.EVENT_STORE === 'sqlite' && config.DATA_DIR !== ':memory:') return new DirectoryColdStorage(join(config.DATA_DIR, 'archive'));
  // A log that lives in memory (the memory store, SQLite at :memory:) keeps its archive there too.
  if (config.EVENT_STORE !== 'cosmos') return new MemoryColdStorage();
  return undefined;
};
