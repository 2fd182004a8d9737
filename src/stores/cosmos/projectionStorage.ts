import type { ProjectionStorage, ViewFields } from '../../core/index.ts';
import { acquireCosmosClient, type CosmosClientSettings } from './client.ts';
import { CONTAINER_IDS } from './containers.ts';
import type { CosmosConnection } from './settings.ts';
import { cosmosGroupStore } from './groupStore.ts';
import { cosmosViewQueries } from './viewQueries.ts';
import { CosmosCheckpointStore, CosmosViewStore, VIEW_KIND } from './viewStore.ts';

export interface CosmosProjectionStorageOptions extends CosmosClientSettings {
  /** The region-local views account. */
  connection: CosmosConnection;
  database: string;
}

/** Views and checkpoints of this region, in the `views` container of its own account. */
export const openCosmosProjectionStorage = async (options: CosmosProjectionStorageOptions): Promise<ProjectionStorage & { views: CosmosViewStore }> => {
  const shared = await acquireCosmosClient(options.connection, options);
  const container = shared.client.database(options.database).container(CONTAINER_IDS.views);
  // The fields views declare queryable: written beside each document by the view store, queried by cosmosViewQueries.
  let queryable: ViewFields = {};
  const views = new CosmosViewStore(container, () => queryable);
  const checkpoints = new CosmosCheckpointStore(container);
  let closed = false;
  return {
    views,
    checkpoints,
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
