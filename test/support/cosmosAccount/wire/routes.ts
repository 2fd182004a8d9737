import type { IncomingHttpHeaders } from 'node:http';
import type { AccountState } from '../accountState.ts';
import type { Region } from '../regions/region.ts';
import { ReplyError, type Handler, type RequestContext } from './context.ts';
import { databaseAccount } from './handlers/accountDocument.ts';
import { executeBatch } from './handlers/batch.ts';
import { executeBulk, isBulk } from './handlers/bulk.ts';
import { readChanges } from './handlers/changeFeed.ts';
import { deleteConflict, readConflict, readConflictFeed } from './handlers/conflicts.ts';
import { createOrUpsertItem, deleteItem, patchItem, readItem, replaceItem } from './handlers/items.ts';
import { queryItems, queryPlan, readItemFeed } from './handlers/queries.ts';
import * as resources from './handlers/resources.ts';
import { parseRequestHeaders } from './headers.ts';
import { badRequest, writeForbidden, type Reply } from './responses.ts';

// The REST API's resource paths (https://learn.microsoft.com/rest/api/cosmos-db/), name-based as the
// SDK addresses them, and which handler serves each. A route that changes data is a write: a region
// that does not accept writes answers it with 403.3 (see failover.ts).

interface Route {
  method: string;
  path: string;
  handler: Handler;
  writes: boolean | ((context: RequestContext) => boolean);
}

const isQuery = (context: RequestContext): boolean =>
  context.headers['x-ms-documentdb-isquery'] || context.headers['content-type']?.startsWith('application/query+json') === true;

const postToDocs: Handler = (context) => {
  if (context.headers['x-ms-cosmos-is-query-plan-request']) return queryPlan(context);
  if (isQuery(context)) return queryItems(context);
  if (context.headers['x-ms-cosmos-is-batch-request']) return isBulk(context) ? executeBulk(context) : executeBatch(context);
  return createOrUpsertItem(context);
};

const getDocs: Handler = (context) => (context.headers['a-im'] === undefined ? readItemFeed(context) : readChanges(context));

const ROUTES: Route[] = [
  { method: 'GET', path: '/', handler: (context) => databaseAccount(context.state), writes: false },
  { method: 'GET', path: '/dbs', handler: resources.listDatabases, writes: false },
  { method: 'POST', path: '/dbs', handler: resources.postDatabase, writes: (context) => !isQuery(context) },
  { method: 'GET', path: '/dbs/:db', handler: resources.readDatabase, writes: false },
  { method: 'DELETE', path: '/dbs/:db', handler: resources.removeDatabase, writes: true },
  { method: 'GET', path: '/dbs/:db/colls', handler: resources.listContainers, writes: false },
  { method: 'POST', path: '/dbs/:db/colls', handler: resources.postContainer, writes: (context) => !isQuery(context) },
  { method: 'GET', path: '/dbs/:db/colls/:coll', handler: resources.readContainer, writes: false },
  { method: 'DELETE', path: '/dbs/:db/colls/:coll', handler: resources.removeContainer, writes: true },
  { method: 'GET', path: '/dbs/:db/colls/:coll/pkranges', handler: resources.readPartitionKeyRanges, writes: false },
  { method: 'GET', path: '/dbs/:db/colls/:coll/docs', handler: getDocs, writes: false },
  { method: 'POST', path: '/dbs/:db/colls/:coll/docs', handler: postToDocs, writes: (context) => !isQuery(context) && !context.headers['x-ms-cosmos-is-query-plan-request'] },
  { method: 'GET', path: '/dbs/:db/colls/:coll/docs/:doc', handler: readItem, writes: false },
  { method: 'PUT', path: '/dbs/:db/colls/:coll/docs/:doc', handler: replaceItem, writes: true },
  { method: 'PATCH', path: '/dbs/:db/colls/:coll/docs/:doc', handler: patchItem, writes: true },
  { method: 'DELETE', path: '/dbs/:db/colls/:coll/docs/:doc', handler: deleteItem, writes: true },
  { method: 'GET', path: '/dbs/:db/colls/:coll/conflicts', handler: readConflictFeed, writes: false },
  { method: 'GET', path: '/dbs/:db/colls/:coll/conflicts/:conflict', handler: readConflict, writes: false },
  { method: 'DELETE', path: '/dbs/:db/colls/:coll/conflicts/:conflict', handler: deleteConflict, writes: true },
];

const segmentsOf = (path: string): string[] => path.split('/').filter((segment) => segment.length > 0);

/** The path parameters when the path fits the route's pattern. */
const paramsOf = (pattern: string, path: string): Record<string, string> | undefined => {
  const expected = segmentsOf(pattern);
  const actual = segmentsOf(path);
  if (expected.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, segment] of expected.entries()) {
    if (segment.startsWith(':')) params[segment.slice(1)] = decodeURIComponent(actual[i]!);
    else if (segment !== actual[i]) return undefined;
  }
  return params;
};

const match = (method: string, path: string): { route: Route; params: Record<string, string> } | undefined => {
  for (const route of ROUTES) {
    const params = route.method === method ? paramsOf(route.path, path) : undefined;
    if (params !== undefined) return { route, params };
  }
  return undefined;
};

export interface IncomingCall {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** Serves a request in a region: routing, the write-region check, the handler. */
export const dispatch = (state: AccountState, region: Region, call: IncomingCall): Reply => {
  const matched = match(call.method, call.path);
  if (matched === undefined) return badRequest(`This test account has no route for ${call.method} ${call.path}.`);
  let headers;
  try {
    headers = parseRequestHeaders(call.headers);
  } catch {
    return badRequest('A request header has an invalid value.');
  }
  const context: RequestContext = { state, region, method: call.method, params: matched.params, headers, body: call.body };
  const writes = typeof matched.route.writes === 'function' ? matched.route.writes(context) : matched.route.writes;
  if (writes && !state.acceptsWrites(region)) return writeForbidden();
  try {
    return matched.route.handler(context);
  } catch (error) {
    if (error instanceof ReplyError) return error.reply;
    throw error;
  }
};
