import type { Config } from '../../config.ts';
import type { ProjectionStorage, SnapshotStore } from '../../core/index.ts';
import { acquireCosmosClient } from './client.ts';
import { CONTAINER_IDS } from './containers.ts';
import { CosmosEventStore } from './cosmosEventStore.ts';
import { openCosmosProjectionStorage } from './projectionStorage.ts';
import { cosmosSettingsFrom } from './settings.ts';
import { CosmosSnapshotStore } from './snapshotStore.ts';

// Entry points for the composition root. The stores' openers load this module only for
// EVENT_STORE=cosmos, so the embedded stores never load the SDK.

export { CosmosEventStore, type CosmosEventStoreOptions } from './cosmosEventStore.ts';
export { STREAM_HEAD_KIND } from './documents.ts';
export { cosmosSettingsFrom, type CosmosSettings } from './settings.ts';

export const openCosmosEventStore = (config: Config): Promise<CosmosEventStore> => {
  const settings = cosmosSettingsFrom(config);
  return CosmosEventStore.open({ connection: settings.events, database: settings.database, region: settings.region, preferredLocations: settings.preferredLocations });
};

/** Views and checkpoints in the region-local account (VIEWS__accountEndpoint, or VIEWS_ENDPOINT), else in the event account. */
export const openCosmosProjectionStorageFor = (config: Config): Promise<ProjectionStorage> => {
  const settings = cosmosSettingsFrom(config);
  return openCosmosProjectionStorage({ connection: settings.views, database: settings.database, region: settings.region, preferredLocations: settings.preferredLocations });
};

export const openCosmosSnapshotStore = async (config: Config): Promise<SnapshotStore> => {
  const settings = cosmosSettingsFrom(config);
  const shared = await acquireCosmosClient(settings.events, { region: settings.region, preferredLocations: settings.preferredLocations });
  return new CosmosSnapshotStore(shared.client.database(settings.database).container(CONTAINER_IDS.snapshots), shared.release);
};
