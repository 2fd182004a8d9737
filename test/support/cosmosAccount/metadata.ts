import { PartitionKeyKind, type ContainerDefinition } from '@azure/cosmos';
import type { AccountState } from './accountState.ts';
import { ContainerState, type ContainerResource, type PhysicalPartition } from './model/container.ts';
import { deepCopy, isJsonObject } from './model/json.ts';
import { boundariesWithin, inRange, MAX_EPK, MIN_EPK, rangesBetween } from './model/partitioning.ts';
import type { DatabaseResource } from './model/replica.ts';
import { epochSeconds, newEtag } from './model/resourceIds.ts';

// Databases, containers and partition key ranges are account metadata: created, deleted and split in
// every region at once (their replication is not what the tests exercise). Defaults follow what the
// service fills in for a container created with only an id and a partition key: consistent indexing
// of every path, no unique keys, and the Last Writer Wins conflict policy on `/_ts`
// (https://learn.microsoft.com/azure/cosmos-db/index-policy, https://learn.microsoft.com/azure/cosmos-db/conflict-resolution-policies).

export class MetadataError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export const createDatabase = (state: AccountState, id: unknown): DatabaseResource => {
  if (typeof id !== 'string' || id.length === 0) throw new MetadataError(400, "The input content is invalid because the required properties - 'id; ' - are missing");
  if (state.primary.replica.database(id) !== undefined) throw new MetadataError(409, 'Resource with specified id or name already exists.');
  const rid = state.ids.database();
  const resource: DatabaseResource = { id, _rid: rid, _self: `dbs/${rid}/`, _etag: newEtag(), _colls: 'colls/', _users: 'users/', _ts: epochSeconds(state.clock()) };
  for (const region of state.regions) region.replica.addDatabase(deepCopy(resource));
  return resource;
};

export const deleteDatabase = (state: AccountState, id: string): void => {
  if (state.primary.replica.database(id) === undefined) throw new MetadataError(404, 'Resource Not Found');
  for (const region of state.regions) region.replica.removeDatabase(id);
};

const partitionsFor = (state: AccountState, resource: ContainerResource): PhysicalPartition[] => {
  const whole = { minInclusive: MIN_EPK, maxExclusive: MAX_EPK };
  return rangesBetween(whole, boundariesWithin(resource.partitionKey, whole, state.physicalPartitions)).map((range, index) => ({
    ...range,
    id: String(index),
    rid: state.ids.partitionKeyRange(resource._rid),
    parents: [],
    lsn: 0,
    progress: {},
  }));
};

export const createContainer = (state: AccountState, databaseId: string, definition: unknown): ContainerResource => {
  const database = state.primary.replica.database(databaseId);
  if (database === undefined) throw new MetadataError(404, 'Resource Not Found');
  const body = (isJsonObject(definition) ? definition : {}) as ContainerDefinition;
  if (typeof body.id !== 'string' || body.id.length === 0) throw new MetadataError(400, "The input content is invalid because the required properties - 'id; ' - are missing");
  if (state.primary.replica.container(databaseId, body.id) !== undefined) throw new MetadataError(409, 'Resource with specified id or name already exists.');
  const paths = body.partitionKey?.paths ?? ['/id'];
  if (body.partitionKey?.kind === PartitionKeyKind.MultiHash || paths.length !== 1) throw new MetadataError(400, 'This test account supports single-path hash partition keys only.');
  const rid = state.ids.container(database._rid);
  const resource: ContainerResource = {
    ...deepCopy(body),
    id: body.id,
    indexingPolicy: body.indexingPolicy ?? { indexingMode: 'consistent', automatic: true, includedPaths: [{ path: '/*' }], excludedPaths: [{ path: '/"_etag"/?' }] },
    partitionKey: { ...body.partitionKey, paths, kind: PartitionKeyKind.Hash },
    uniqueKeyPolicy: body.uniqueKeyPolicy ?? { uniqueKeys: [] },
    conflictResolutionPolicy: body.conflictResolutionPolicy ?? { mode: 'LastWriterWins', conflictResolutionPath: '/_ts', conflictResolutionProcedure: '' },
    geospatialConfig: { type: 'Geography' },
    _rid: rid,
    _self: `${database._self}colls/${rid}/`,
    _etag: newEtag(),
    _ts: epochSeconds(state.clock()),
    _docs: 'docs/',
    _sprocs: 'sprocs/',
    _triggers: 'triggers/',
    _udfs: 'udfs/',
    _conflicts: 'conflicts/',
  };
  const partitions = partitionsFor(state, resource);
  for (const region of state.regions) region.replica.addContainer(databaseId, new ContainerState(deepCopy(resource), deepCopy(partitions)));
  return resource;
};

export const deleteContainer = (state: AccountState, databaseId: string, containerId: string): void => {
  if (state.primary.replica.container(databaseId, containerId) === undefined) throw new MetadataError(404, 'Resource Not Found');
  for (const region of state.regions) region.replica.removeContainer(databaseId, containerId);
};

/**
 * Splits a physical partition in two, in every region, as the service does when a partition outgrows
 * its limits: the old partition key range id is gone (requests naming it get 410 Gone, substatus 1002
 * PartitionKeyRangeGone) and two children cover its range, continuing its LSN. Returns the children's ids.
 */
export const splitPartition = (state: AccountState, databaseId: string, containerId: string, partitionId: string): string[] => {
  const reference = state.primary.replica.container(databaseId, containerId);
  const parent = reference?.partitionById(partitionId);
  if (reference === undefined || parent === undefined) throw new MetadataError(404, `no partition key range ${partitionId} in ${databaseId}/${containerId}`);
  const itemEpks = reference
    .all()
    .map((item) => item.epk)
    .filter((epk) => inRange(epk, parent))
    .sort();
  const median = itemEpks[Math.floor(itemEpks.length / 2)];
  const boundary = median !== undefined && median > parent.minInclusive ? [median] : boundariesWithin(reference.partitionKeyDefinition, parent, 2);
  const nextId = Math.max(...reference.partitions.map((p) => Number(p.id)), ...[...reference.retired.keys()].map(Number)) + 1;
  const children = rangesBetween(parent, boundary).map((range, index) => ({ ...range, id: String(nextId + index), rid: state.ids.partitionKeyRange(reference.resource._rid) }));
  for (const region of state.regions) region.replica.container(databaseId, containerId)?.split(partitionId, deepCopy(children));
  return children.map((child) => child.id);
};
