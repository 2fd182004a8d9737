import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildHost, type ChildHost } from '../support/childHost.ts';
import { tempDir } from '../support/http.ts';

// What a person who guesses URLs gets from the local host as `npm start` runs it: the index at / and
// /api, and the path of a stream asked for by its id. Keys are set: these answers need none.

let host: ChildHost;
let dataDir: string;
const server = { request: (path: string, init?: RequestInit) => fetch(host.url + path, init) };
beforeAll(async () => {
  dataDir = tempDir('eventlog-navigation-');
  host = await startChildHost({ DATA_DIR: dataDir, API_KEY: 'navigation-key' });
  const appended = await server.request('/api/streams/Order/42/events', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-functions-key': 'navigation-key' },
    body: JSON.stringify({ events: [{ type: 'OrderPlaced', data: {} }] }),
  });
  expect(appended.status).toBe(201);
});
afterAll(async () => {
  host?.process.kill('SIGTERM');
  await host?.exited;
  rmSync(dataDir, { recursive: true, force: true });
});

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('GET /api/streams/Order-42 (the stream id form)', () => {
  it('answers a 404 problem that gives the path of the stream, which then answers', async () => {
    const response = await server.request('/api/streams/Order-42');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const body = (await response.json()) as { type: string; detail: string; streamPath: string };
    expect(body).toMatchObject({ type: 'no-route', streamPath: '/api/streams/Order/42', eventsPath: '/api/streams/Order/42/events' });
    expect(body.detail).toBe('no route for GET /api/streams/Order-42: the stream Order-42 is at /api/streams/Order/42 (its events at /api/streams/Order/42/events)');
    const stream = await server.request(body.streamPath, { headers: { 'x-functions-key': 'navigation-key' } });
    expect([stream.status, ((await stream.json()) as { streamId: string }).streamId]).toEqual([200, 'Order-42']);
  });

  it('says how streams are addressed when the segment is no stream id', async () => {
    const response = await server.request('/api/streams/orders');
    expect(response.status).toBe(404);
    expect(((await response.json()) as { detail: string }).detail).toContain('a stream is at /api/streams/{aggregateType}/{aggregateId}');
  });
});

describe('GET / and GET /api', () => {
  it.each(['/', '/api', '/api/'])('%s points at the OpenAPI document and the explorer, as JSON', async (path) => {
    const response = await server.request(path);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toMatchObject({ name: 'eventlog', openapi: '/api/openapi.json', explorer: '/api/explorer/', region: 'local' });
  });

  it('gives a browser a page whose links answer', async () => {
    const response = await server.request('/', { headers: { accept: BROWSER } });
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const page = await response.text();
    const links = [...page.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!);
    expect(links).toEqual(['/api/explorer/', '/api/openapi.json', '/api/health']);
    for (const link of links) expect((await server.request(link, { headers: { 'x-functions-key': 'navigation-key' } })).status, link).toBe(200);
  });

  it('answers HEAD and refuses other methods on /', async () => {
    const head = await server.request('/', { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
    const post = await server.request('/', { method: 'POST' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET']);
  });

  it('still answers paths outside /api with no-route', async () => {
    const response = await server.request('/favicon.ico');
    expect([response.status, ((await response.json()) as { type: string }).type]).toEqual([404, 'no-route']);
  });
});
