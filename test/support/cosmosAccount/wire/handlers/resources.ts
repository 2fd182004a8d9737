import { createContainer, createDatabase, deleteContainer, deleteDatabase, MetadataError } from '../../metadata.ts';
import type { JsonObject } from '../../model/json.ts';
import { QuerySpec, runQuery } from '../../model/query.ts';
import { containerOf, type Handler, type RequestContext } from '../context.ts';
import { METADATA_CHARGE } from '../requestCharge.ts';
import { badRequest, errorReply, notFound, type Reply } from '../responses.ts';

// Databases, containers and partition key ranges: reads serve the region's copy, changes go through
// metadata.ts (all regions at once). Feeds have the REST shape `{_rid, <Resources>: [...], _count}`.

const metadataCall = (work: () => Reply): Reply => {
  try {
    return work();
  } catch (error) {
    if (!(error instanceof MetadataError)) throw error;
    const code = { 400: 'BadRequest', 404: 'NotFound', 409: 'Conflict' }[error.status] ?? 'Error';
    return errorReply(error.status, code, error.message);
  }
};

const feed = (name: string, rid: string, resources: JsonObject[]): Reply => ({
  status: 200,
  charge: METADATA_CHARGE,
  headers: { 'x-ms-item-count': String(resources.length) },
  body: { _rid: rid, [name]: resources, _count: resources.length },
});

/** A query over a resource feed (`databases.query`, `containers.query`). */
const queried = (context: RequestContext, name: string, rid: string, resources: JsonObject[]): Reply => {
  const spec = QuerySpec.safeParse(typeof context.body === 'string' ? { query: context.body } : context.body);
  if (!spec.success) return badRequest('The query is missing or malformed.');
  return feed(name, rid, runQuery(resources, spec.data, {}).results as JsonObject[]);
};

const found = (resource: JsonObject | undefined): Reply => (resource === undefined ? notFound() : { status: 200, charge: METADATA_CHARGE, body: resource });

export const listDatabases: Handler = (context) => {
  const databases = context.region.replica.databaseList();
  return context.headers['x-ms-documentdb-isquery'] ? queried(context, 'Databases', '', databases) : feed('Databases', '', databases);
};

export const postDatabase: Handler = (context) =>
  context.headers['x-ms-documentdb-isquery']
    ? listDatabases(context)
    : metadataCall(() => ({ status: 201, charge: METADATA_CHARGE, body: createDatabase(context.state, (context.body as JsonObject | undefined)?.id) }));

export const readDatabase: Handler = (context) => found(context.region.replica.database(context.params.db!));

export const removeDatabase: Handler = (context) =>
  metadataCall(() => {
    deleteDatabase(context.state, context.params.db!);
    return { status: 204, charge: METADATA_CHARGE };
  });

export const listContainers: Handler = (context) => {
  const database = context.region.replica.database(context.params.db!);
  if (database === undefined) return notFound();
  const containers = context.region.replica.containerList(database.id).map((container) => container.resource);
  return context.headers['x-ms-documentdb-isquery']
    ? queried(context, 'DocumentCollections', database._rid, containers)
    : feed('DocumentCollections', database._rid, containers);
};

export const postContainer: Handler = (context) =>
  context.headers['x-ms-documentdb-isquery']
    ? listContainers(context)
    : metadataCall(() => ({ status: 201, charge: METADATA_CHARGE, body: createContainer(context.state, context.params.db!, context.body) }));

export const readContainer: Handler = (context) => {
  const container = context.region.replica.container(context.params.db!, context.params.coll!);
  return found(container?.resource);
};

export const removeContainer: Handler = (context) =>
  metadataCall(() => {
    deleteContainer(context.state, context.params.db!, context.params.coll!);
    return { status: 204, charge: METADATA_CHARGE };
  });

/** The live partition key ranges; the SDK builds its routing map (and feed ranges) from them. */
export const readPartitionKeyRanges: Handler = (context) => {
  const container = containerOf(context);
  const { _rid: rid, _self: self } = container.resource;
  return feed(
    'PartitionKeyRanges',
    rid,
    container.partitions.map((partition) => ({
      id: partition.id,
      _rid: partition.rid,
      _self: `${self}pkranges/${partition.rid}/`,
      _etag: `"${partition.rid}"`,
      minInclusive: partition.minInclusive,
      maxExclusive: partition.maxExclusive,
      ridPrefix: Number(partition.id),
      throughputFraction: 1 / container.partitions.length,
      status: 'online',
      parents: partition.parents,
    })),
  );
};
