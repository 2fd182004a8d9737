import { afterEach, describe, expect, it } from 'vitest';
import type { ApiRequest, Route } from '../../src/api/types.ts';
import { startLocalHost, type LocalHost } from '../../src/local/server.ts';
import { silentLogger } from '../../src/core/index.ts';
import { startTestServer, type TestServer } from '../support/http.ts';

let server: TestServer | undefined;
let host: LocalHost | undefined;
afterEach(async () => {
  await server?.close();
  await host?.close();
  server = host = undefined;
});

const read = (s: TestServer, key?: string) =>
  s.request('/api/streams/Order/1/events', { headers: key === undefined ? {} : { 'x-functions-key': key } });

describe('API keys on the local host', () => {
  it('with API_KEY set, routes need the key and health stays open', async () => {
    server = await startTestServer({ API_KEY: 'secret-api' });
    const denied = await read(server);
    expect(denied.status).toBe(401);
    expect(await denied.json()).toMatchObject({ type: 'unauthorized', status: 401 });
    expect((await read(server, 'wrong')).status).toBe(401);
    expect((await read(server, 'secret-api')).status).toBe(404);
    expect((await server.request('/api/streams/Order/1/events?code=secret-api')).status).toBe(404);
    expect((await server.request('/api/health')).status).toBe(200);
  });

  it('ADMIN_KEY opens every route, as the master key does in Azure', async () => {
    server = await startTestServer({ API_KEY: 'secret-api', ADMIN_KEY: 'secret-admin' });
    expect((await read(server, 'secret-admin')).status).toBe(404);
  });

  it('admin routes need the admin key, and take the API key when no admin key is set', async () => {
    const adminRoute: Route<null> = {
      name: 'adminProbe',
      method: 'POST',
      route: 'admin-probe',
      authLevel: 'admin',
      handle: async (_request: ApiRequest) => ({ status: 202, body: { ok: true } }),
      doc: { responses: {} },
    };
    const probe = async (keys: { apiKey?: string; adminKey?: string }, key: string) => {
      host = await startLocalHost({ routes: [adminRoute], services: null, keys, port: 0, logger: silentLogger });
      const status = (await fetch(`${host.url}/api/admin-probe`, { method: 'POST', headers: { 'x-functions-key': key } })).status;
      await host.close();
      host = undefined;
      return status;
    };
    expect(await probe({ apiKey: 'a', adminKey: 'b' }, 'a')).toBe(401);
    expect(await probe({ apiKey: 'a', adminKey: 'b' }, 'b')).toBe(202);
    expect(await probe({ apiKey: 'a' }, 'a')).toBe(202);
    expect(await probe({}, 'anything')).toBe(202);
  });
});

describe('store failures', () => {
  it('an unavailable store gives 503 with Retry-After, and health says so', async () => {
    server = await startTestServer();
    await server.app.services.eventStore.close();
    const append = await server.request('/api/streams/Order/1/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ events: [{ type: 'A', data: {} }] }),
    });
    expect(append.status).toBe(503);
    expect(append.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await append.json()).toMatchObject({ type: 'store-unavailable', status: 503 });
    const read = await server.request('/api/streams/Order/1/events');
    expect(read.status).toBe(503);
    expect((await server.request('/api/health')).status).toBe(503);
  });
});
