import type { ContainerDefinition, CosmosClient, Database } from '@azure/cosmos';
import { ProblemError } from '../../core/index.ts';

// The containers of the design's Cosmos DB model. In Azure, infra creates them (infra/); `init` creates
// them for an emulator or a test account, and checks that existing ones have the keys the code relies on.

export const CONTAINER_IDS = { events: 'events', leases: 'leases', views: 'views', snapshots: 'snapshots' } as const;

/** Payloads are never filtered on, so they are not indexed: writes cost fewer request units. */
export const eventsContainer: ContainerDefinition = {
  id: CONTAINER_IDS.events,
  partitionKey: { paths: ['/streamId'] },
  // Within a stream's partition this makes two writers of one sequence a conflict instead of a fork.
  uniqueKeyPolicy: { uniqueKeys: [{ paths: ['/aggregateType', '/aggregateId', '/sequence'] }] },
  indexingPolicy: {
    indexingMode: 'consistent',
    automatic: true,
    includedPaths: [{ path: '/*' }],
    excludedPaths: [{ path: '/data/*' }, { path: '/metadata/*' }, { path: '/"_etag"/?' }],
  },
  // As infra/ creates it (fixed at creation): with multi-write, every conflict goes to the conflicts feed.
  conflictResolutionPolicy: { mode: 'Custom', conflictResolutionProcedure: '' },
};

/** Change-feed leases of the Functions triggers; each region and projection uses its own prefix. */
export const leasesContainer: ContainerDefinition = { id: CONTAINER_IDS.leases, partitionKey: { paths: ['/id'] } };

export const snapshotsContainer: ContainerDefinition = {
  id: CONTAINER_IDS.snapshots,
  partitionKey: { paths: ['/streamId'] },
  indexingPolicy: {
    indexingMode: 'consistent',
    automatic: true,
    includedPaths: [{ path: '/*' }],
    excludedPaths: [{ path: '/state/*' }, { path: '/"_etag"/?' }],
  },
};

/** Views and projection checkpoints, in the region-local account; documents are read by id only. */
export const viewsContainer: ContainerDefinition = {
  id: CONTAINER_IDS.views,
  partitionKey: { paths: ['/id'] },
  indexingPolicy: {
    indexingMode: 'consistent',
    automatic: true,
    includedPaths: [{ path: '/*' }],
    excludedPaths: [{ path: '/data/*' }, { path: '/positions/*' }, { path: '/state/*' }, { path: '/"_etag"/?' }],
  },
};

export interface ContainerLayout {
  /** Containers of the event account. */
  events: ContainerDefinition[];
  /** Containers of the region-local views account (the same account locally). */
  views: ContainerDefinition[];
}

export const containerLayout: ContainerLayout = {
  events: [eventsContainer, leasesContainer, snapshotsContainer],
  views: [viewsContainer],
};

/** An existing container the code cannot use as it is. */
export class CosmosSetupError extends ProblemError('cosmos-setup', 500, 'Cosmos DB container not usable') {}

export interface CreatedContainer {
  account: keyof ContainerLayout;
  database: string;
  container: string;
  created: boolean;
}

const pathsOf = (definition: ContainerDefinition | undefined): string =>
  JSON.stringify({
    partitionKey: definition?.partitionKey?.paths ?? [],
    uniqueKeys: (definition?.uniqueKeyPolicy?.uniqueKeys ?? []).map((key) => key.paths),
  });

/** Creates the container if absent; fails with a clear message if one exists with other keys (they cannot be changed in place). */
const ensureContainer = async (database: Database, definition: ContainerDefinition): Promise<boolean> => {
  const response = await database.containers.createIfNotExists(definition);
  if (pathsOf(response.resource) !== pathsOf(definition))
    throw new CosmosSetupError(
      `container ${definition.id} in database ${database.id} exists with ${pathsOf(response.resource)}; ` +
        `this build needs ${pathsOf(definition)}: recreate it (keys cannot be changed in place)`,
    );
  return response.statusCode === 201;
};

/** Creates the database and containers that are missing; running it again changes nothing. */
export const initCosmos = async (
  clients: { events: CosmosClient; views: CosmosClient },
  databaseId: string,
  layout: ContainerLayout = containerLayout,
): Promise<CreatedContainer[]> => {
  const created: CreatedContainer[] = [];
  for (const account of ['events', 'views'] as const) {
    const { database } = await clients[account].databases.createIfNotExists({ id: databaseId });
    for (const definition of layout[account])
      created.push({ account, database: databaseId, container: definition.id!, created: await ensureContainer(database, definition) });
  }
  return created;
};
