import { health } from './handlers/health.ts';
import { apiIndex, navigationOperations, streamIdPath } from './handlers/navigation.ts';
import { listProjections, rebuildProjection, resumeProjection } from './handlers/projections.ts';
import { appendToStream, getStream, readStream } from './handlers/streams.ts';
import { getView } from './handlers/views.ts';
import { openApiResponse, registerOperations } from './openapi.ts';
import type { ApiServices } from './services.ts';
import type { Route } from './types.ts';
import { domainRoutes } from '../domain/routes.ts';
import { reactorRoutes } from '../reactors/routes.ts';

/** Every HTTP route of the product, declared once; both hosts register exactly this list. */
export const routes: Route<ApiServices>[] = [
  { name: 'health', method: 'GET', route: 'health', authLevel: 'anonymous', handle: health },
  { name: 'openApi', method: 'GET', route: 'openapi.json', authLevel: 'anonymous', handle: async () => openApiResponse(routes) },
  {
    name: 'appendToStream',
    method: 'POST',
    route: 'streams/{aggregateType}/{aggregateId}/events',
    authLevel: 'function',
    handle: appendToStream,
  },
  {
    name: 'readStream',
    method: 'GET',
    route: 'streams/{aggregateType}/{aggregateId}/events',
    authLevel: 'function',
    handle: readStream,
  },
  { name: 'getStream', method: 'GET', route: 'streams/{aggregateType}/{aggregateId}', authLevel: 'function', handle: getStream },
  { name: 'getView', method: 'GET', route: 'views/{view}/{key}', authLevel: 'function', handle: getView },
  { name: 'listProjections', method: 'GET', route: 'projections', authLevel: 'function', handle: listProjections },
  { name: 'rebuildProjection', method: 'POST', route: 'projections/{name}/rebuild', authLevel: 'admin', handle: rebuildProjection },
  { name: 'resumeProjection', method: 'POST', route: 'projections/{name}/resume', authLevel: 'admin', handle: resumeProjection },
  ...reactorRoutes,
  ...domainRoutes,
  // Navigation: `GET /api` (a template Azure accepts for the prefix itself) and a stream asked for by its id.
  { name: 'apiIndex', method: 'GET', route: '{index:maxlength(0)?}', authLevel: 'anonymous', handle: apiIndex },
  { name: 'streamIdPath', method: 'GET', route: 'streams/{streamId}', authLevel: 'anonymous', handle: streamIdPath },
];
registerOperations(navigationOperations);
