import type { Config } from '../config.ts';
import type { ProjectionStorage } from '../core/index.ts';
import { openMemoryProjectionStorage } from './memory/memoryProjectionStorage.ts';
import { SqliteProjectionStorage } from './sqlite/sqliteProjectionStorage.ts';

/** The region's views and checkpoints, beside the event store the configuration names. */
export const openProjectionStorage = async (config: Config): Promise<ProjectionStorage> => {
  switch (config.EVENT_STORE) {
    case 'memory':
      return openMemoryProjectionStorage();
    case 'sqlite':
      return new SqliteProjectionStorage({ dataDir: config.DATA_DIR, region: config.REGION });
    case 'cosmos': {
      // Loaded on demand, so the embedded stores never load the Cosmos DB SDK.
      const { openCosmosProjectionStorageFor } = await import('./cosmos/index.ts');
      return openCosmosProjectionStorageFor(config);
    }
  }
};
