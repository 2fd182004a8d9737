import { ackBatch, createGroup, getGroup, listGroups, listParked, nackBatch, nextBatch, replayParked } from './handlers/consumerGroups.ts';
import { readFeed } from './handlers/feed.ts';
import { health } from './handlers/health.ts';
import { apiIndex, navigationOperations, streamIdPath } from './handlers/navigation.ts';
import { listProjections, pauseConsumer, rebuildProjection, resumeProjection } from './handlers/projections.ts';
import { appendToStream, archiveStream, deleteStream, getStream, readStream } from './handlers/streams.ts';
import { getView, listView } from './handlers/views.ts';
import { feedOperations } from './feedOperations.ts';
import { eraseSubject } from './handlers/subjects.ts';
import { openApiResponse } from './openapi.ts';
import { apiOperations } from './operations.ts';
import type { ApiServices } from './services.ts';
import type { Route } from './types.ts';

/** The product's generic routes: streams, views, the feed, consumer groups, projections, health. Modules add their own beside them. */
export const apiRoutes: readonly Route<ApiServices>[] = [
  { name: 'health', method: 'GET', route: 'health', authLevel: 'anonymous', handle: health, doc: apiOperations.health },
  {
    name: 'appendToStream',
    method: 'POST',
    route: 'streams/{aggregateType}/{aggregateId}/events',
    authLevel: 'function',
    handle: appendToStream,
    doc: apiOperations.appendToStream,
  },
  {
    name: 'readStream',
    method: 'GET',
    route: 'streams/{aggregateType}/{aggregateId}/events',
    authLevel: 'function',
    handle: readStream,
    doc: apiOperations.readStream,
  },
  { name: 'getStream', method: 'GET', route: 'streams/{aggregateType}/{aggregateId}', authLevel: 'function', handle: getStream, doc: apiOperations.getStream },
  { name: 'deleteStream', method: 'DELETE', route: 'streams/{aggregateType}/{aggregateId}', authLevel: 'admin', handle: deleteStream, doc: apiOperations.deleteStream },
  { name: 'archiveStream', method: 'POST', route: 'streams/{aggregateType}/{aggregateId}/archive', authLevel: 'admin', handle: archiveStream, doc: apiOperations.archiveStream },
  { name: 'getView', method: 'GET', route: 'views/{view}/{key}', authLevel: 'function', handle: getView, doc: apiOperations.getView },
  { name: 'listView', method: 'GET', route: 'views/{view}', authLevel: 'function', handle: listView, doc: feedOperations.listView },
  { name: 'readFeed', method: 'GET', route: 'feed', authLevel: 'function', handle: readFeed, doc: feedOperations.readFeed },
  { name: 'listConsumerGroups', method: 'GET', route: 'consumers', authLevel: 'function', handle: listGroups, doc: feedOperations.listGroups },
  { name: 'createConsumerGroup', method: 'POST', route: 'consumers/{group}', authLevel: 'function', handle: createGroup, doc: feedOperations.createGroup },
  { name: 'getConsumerGroup', method: 'GET', route: 'consumers/{group}', authLevel: 'function', handle: getGroup, doc: feedOperations.getGroup },
  { name: 'nextBatch', method: 'GET', route: 'consumers/{group}/next', authLevel: 'function', handle: nextBatch, doc: feedOperations.nextBatch },
  { name: 'ackBatch', method: 'POST', route: 'consumers/{group}/ack', authLevel: 'function', handle: ackBatch, doc: feedOperations.ackBatch },
  { name: 'nackBatch', method: 'POST', route: 'consumers/{group}/nack', authLevel: 'function', handle: nackBatch, doc: feedOperations.nackBatch },
  { name: 'listParked', method: 'GET', route: 'consumers/{group}/parked', authLevel: 'function', handle: listParked, doc: feedOperations.listParked },
  { name: 'replayParked', method: 'POST', route: 'consumers/{group}/parked/replay', authLevel: 'function', handle: replayParked, doc: feedOperations.replayParked },
  { name: 'listProjections', method: 'GET', route: 'projections', authLevel: 'function', handle: listProjections, doc: apiOperations.listProjections },
  { name: 'rebuildProjection', method: 'POST', route: 'projections/{name}/rebuild', authLevel: 'admin', handle: rebuildProjection, doc: apiOperations.rebuildProjection },
  { name: 'resumeProjection', method: 'POST', route: 'projections/{name}/resume', authLevel: 'admin', handle: resumeProjection, doc: apiOperations.resumeProjection },
  { name: 'pauseProjection', method: 'POST', route: 'projections/{name}/pause', authLevel: 'admin', handle: pauseConsumer, doc: apiOperations.pauseProjection },
  // Not under `admin/`: the Functions host refuses routes that start with it, /api prefix or not
  // (https://github.com/Azure/azure-functions-host/issues/1781).
  { name: 'eraseSubject', method: 'POST', route: 'subjects/{subjectId}/erase', authLevel: 'admin', handle: eraseSubject, doc: apiOperations.eraseSubject },
  // Navigation: `GET /api` (a template Azure accepts for the prefix itself) and a stream asked for by its id.
  { name: 'apiIndex', method: 'GET', route: '{index:maxlength(0)?}', authLevel: 'anonymous', handle: apiIndex, doc: navigationOperations.apiIndex },
  { name: 'streamIdPath', method: 'GET', route: 'streams/{streamId}', authLevel: 'anonymous', handle: streamIdPath, doc: navigationOperations.streamIdPath },
];

/** Refuses two routes with one name (a function name in Azure) or one method and template. */
export const checkRoutes = (routes: readonly Pick<Route<never>, 'name' | 'method' | 'route'>[]): void => {
  const names = new Set<string>();
  const paths = new Set<string>();
  for (const route of routes) {
    const path = `${route.method} ${route.route}`;
    if (names.has(route.name)) throw new Error(`two routes are named ${route.name}`);
    if (paths.has(path)) throw new Error(`two routes answer ${path}`);
    names.add(route.name);
    paths.add(path);
  }
};

/** One host's route table: the given routes plus `GET /api/openapi.json` documenting exactly them. */
export const routeTable = <S>(routes: readonly Route<S>[]): Route<S>[] => {
  checkRoutes([...routes, { name: 'openApi', method: 'GET', route: 'openapi.json' }]);
  const table: Route<S>[] = [];
  const openApi: Route<S> = {
    name: 'openApi',
    method: 'GET',
    route: 'openapi.json',
    authLevel: 'anonymous',
    handle: async () => openApiResponse(table),
    doc: apiOperations.openApi,
  };
  table.push(routes[0]!, openApi, ...routes.slice(1));
  return table;
};
