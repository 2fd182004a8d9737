import type { Config } from '../config.ts';
import type { SnapshotStore } from '../core/index.ts';
import { MemorySnapshotStore } from './memory/memorySnapshotStore.ts';
import { SqliteSnapshotStore } from './sqlite/sqliteSnapshotStore.ts';

/** The snapshot store that goes with the configured event store (Cosmos: the `snapshots` container). */
export const openSnapshotStore = async (config: Config): Promise<SnapshotStore> => {
  switch (config.EVENT_STORE) {
    case 'memory':
      return new MemorySnapshotStore();
    case 'sqlite':
      return new SqliteSnapshotStore({ dataDir: config.DATA_DIR });
    case 'cosmos': {
      // Loaded on demand, so the embedded stores never load the Cosmos DB SDK.
      const { openCosmosSnapshotStore } = await import('./cosmos/index.ts');
      return openCosmosSnapshotStore(config);
    }
  }
};
