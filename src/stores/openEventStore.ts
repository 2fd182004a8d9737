import type { Config } from '../config.ts';
import type { EventStore } from '../core/index.ts';
import { MemoryEventStore } from './memory/memoryEventStore.ts';
import { SqliteEventStore } from './sqlite/sqliteEventStore.ts';

/** The adapter the configuration names. */
export const openEventStore = async (config: Config): Promise<EventStore> => {
  switch (config.EVENT_STORE) {
    case 'memory':
      return new MemoryEventStore();
    case 'sqlite':
      return new SqliteEventStore({ dataDir: config.DATA_DIR });
    case 'cosmos': {
      // Loaded on demand, so the embedded stores never load the Cosmos DB SDK.
      const { openCosmosEventStore } = await import('./cosmos/index.ts');
      return openCosmosEventStore(config);
    }
  }
};
