import { describe, expect, it } from 'vitest';
import { ApiIndex, apiIndex, navigationOperations, streamIdPath } from '../../src/api/handlers/navigation.ts';
import { buildOpenApiDocument } from '../../src/api/openapi.ts';
import type { ApiServices } from '../../src/api/services.ts';
import type { ApiRequest } from '../../src/api/types.ts';

const request = (params: Record<string, string> = {}, headers: Record<string, string> = {}): ApiRequest => ({
  method: 'GET',
  params,
  query: new URLSearchParams(),
  headers,
});
// The handlers read the version and the region only.
const services = { version: '9.9.9', region: 'westeurope' } as ApiServices;

describe('GET /api/streams/{streamId}: a stream asked for by its id', () => {
  it('answers 404 no-route with the path the stream is at', async () => {
    const answer = await streamIdPath(request({ streamId: 'Order-42' }));
    expect(answer.status).toBe(404);
    expect(answer.headers?.['content-type']).toBe('application/problem+json');
    expect(answer.body).toEqual({
      type: 'no-route',
      title: 'No such route',
      status: 404,
      detail: 'no route for GET /api/streams/Order-42: the stream Order-42 is at /api/streams/Order/42 (its events at /api/streams/Order/42/events)',
      streamPath: '/api/streams/Order/42',
      eventsPath: '/api/streams/Order/42/events',
    });
  });

  it('splits at the first dash, as stream ids do, and encodes what it echoes', async () => {
    expect((await streamIdPath(request({ streamId: 'Order-a-b:c' }))).body).toMatchObject({ streamPath: '/api/streams/Order/a-b%3Ac' });
  });

  it('says how streams are addressed when the segment is not a stream id', async () => {
    const answer = await streamIdPath(request({ streamId: 'orders list' }));
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({
      type: 'no-route',
      title: 'No such route',
      status: 404,
      detail: 'no route for GET /api/streams/orders%20list: a stream is at /api/streams/{aggregateType}/{aggregateId}, e.g. /api/streams/Order/42 for the stream Order-42',
    });
  });
});

describe('GET /api: the index', () => {
  it('points at the OpenAPI document and the explorer, as JSON by default', async () => {
    const answer = await apiIndex(request({}, { accept: '*/*' }), services);
    expect(answer.status).toBe(200);
    expect(ApiIndex.parse(answer.body)).toMatchObject({ version: '9.9.9', region: 'westeurope', openapi: '/api/openapi.json', explorer: '/api/explorer/' });
  });

  it('is a page with links for a browser', async () => {
    const answer = await apiIndex(request({}, { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' }), services);
    expect(answer.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.rawBody).toContain('<a href="/api/explorer/">Stream explorer</a>');
    expect(answer.rawBody).toContain('<a href="/api/openapi.json">OpenAPI document</a>');
    expect(answer.rawBody).toContain('eventlog 9.9.9');
  });

  it('escapes what it puts into the page', async () => {
    const answer = await apiIndex(request({}, { accept: 'text/html' }), { ...services, region: '<script>' } as ApiServices);
    expect(answer.rawBody).toContain('region &lt;script&gt;');
  });
});

describe('their OpenAPI documentation', () => {
  it('generates for both routes', () => {
    const document = buildOpenApiDocument([
      { name: 'apiIndex', method: 'GET', route: 'index', authLevel: 'anonymous', doc: navigationOperations.apiIndex },
      { name: 'streamIdPath', method: 'GET', route: 'streams/{streamId}', authLevel: 'anonymous', doc: navigationOperations.streamIdPath },
    ]) as unknown as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    expect(Object.keys(document.paths['/streams/{streamId}']!.get!.responses)).toEqual(['404']);
    expect(Object.keys(document.paths['/index']!.get!.responses)).toEqual(['200']);
  });
});
