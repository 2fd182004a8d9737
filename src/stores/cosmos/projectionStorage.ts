import type { ProjectionStorage, ViewFields } from '../../core/index.ts';
import { acquireCosmosClient, type CosmosClientSettings } from './client.ts';
import { CONTAINER_IDS } from './containers.ts';
import type { RequestMeter } from './requestMeter.ts';
import type { CosmosConnection } from './settings.ts';
import { cosmosGroupStore } from './groupStore.ts';
import { cosmosViewQueries } from './viewQueries.ts';
import { CosmosCheckpointStore, CosmosViewStore, VIEW_KIND } from './viewStore.ts';

export interface CosmosProjectionStorageOptions extends CosmosClientSettings {
  /** The region-local views account. */
  connection: CosmosConnection;
  database: string;
  /** Writes in one `putMany` from which they go as one bulk execution (viewStore.ts, DEFAULT_BULK_FROM). */
  bulkFrom?: number;
}

/** Views and checkpoints of this region, in the `views` container of its own account. */
/** The views account's storage, with the account's request meter (what telemetry reports as request units). */
export type CosmosProjectionStorage = ProjectionStorage & { views: CosmosViewStore; meter: RequestMeter };

export const openCosmosProjectionStorage = async (options: CosmosProjectionStorageOptions): Promise<CosmosProjectionStorage> => {
  const shared = await acquireCosmosClient(options.connection, options);
  const container = shared.client.database(options.database).container(CONTAINER_IDS.views);
  // The fields views declare queryable: written beside each document by the view store, queried by cosmosViewQueries.
  let queryable: ViewFields = {};
  const views = new CosmosViewStore(container, { bulkFrom: options.bulkFrom, queryableFields: () => queryable });
  const checkpoints = new CosmosCheckpointStore(container);
  let closed = false;
  return {
    views,
    checkpoints,
    meter: shared.meter,
    queries: cosmosViewQueries(container, VIEW_KIND, (fields) => (queryable = fields)),
    groups: cosmosGroupStore(container, () => closed),
    close: async () => {
      if (closed) return;
      closed = true;
      views.markClosed();
      checkpoints.markClosed();
      shared.release();
    },
  };
};
