import { health } from './handlers/health.ts';
import { appendToStream, getStream, readStream } from './handlers/streams.ts';
import type { ApiServices } from './services.ts';
import type { Route } from './types.ts';

/** Every HTTP route of the product, declared once; both hosts register exactly this list. */
export const routes: Route<ApiServices>[] = [
  { name: 'health', method: 'GET', route: 'health', authLevel: 'anonymous', handle: health },
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
];
