import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeConsistencyToken } from '../../src/core/index.ts';
import { caughtUpLag, onlyProjections, postJson, startTestServer, tempDir, testStore, type TestServer } from '../support/http.ts';
import { fragileProjection } from '../unit/projectionsFixtures.ts';

const servers: TestServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const start = async (...args: Parameters<typeof startTestServer>) => {
  const server = await startTestServer(...args);
  servers.push(server);
  return server;
};

const append = async (server: TestServer, type: string, id: string, events: Array<{ type: string; data?: Record<string, unknown> }>) => {
  const response = await postJson(server, `/api/streams/${type}/${id}/events`, { events: events.map((e) => ({ data: {}, ...e })) });
  expect(response.status).toBe(201);
  return (await response.json()) as { consistencyToken: string; version: number; streamId: string };
};

describe('GET /api/views/{view}/{key}', () => {
  it('with the token of an append, returns the view at that version without the client sleeping', async () => {
    const server = await start({ REGION: 'westeurope' });
    const first = await append(server, 'Order', 'o1', [{ type: 'Placed' }]);
    const firstRead = await server.request(`/api/views/stream/${first.streamId}?atLeast=${first.consistencyToken}`);
    expect(firstRead.status).toBe(200);
    expect((await firstRead.json()).data.version).toBe(1);

    const second = await append(server, 'Order', 'o1', [{ type: 'Paid' }, { type: 'Shipped' }]);
    const response = await server.request(`/api/views/stream/Order-o1?atLeast=${encodeURIComponent(second.consistencyToken)}`);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({
      view: 'stream',
      key: 'Order-o1',
      region: 'westeurope',
      data: { streamId: 'Order-o1', aggregateType: 'Order', aggregateId: 'o1', version: 3, eventCount: 3, lastEventType: 'Shipped', lastRecordedAt: expect.any(String) },
      updatedAt: expect.any(String),
    });
    expect(Object.keys(body).sort()).toEqual(['data', 'key', 'region', 'updatedAt', 'view']);
  });

  it('answers 404 for a document that does not exist and for a view no projection declares', async () => {
    const server = await start();
    const missing = await server.request('/api/views/stream/Order-none');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expect((await server.request('/api/views/nosuchview/k')).status).toBe(404);
  });

  it('rejects a token it did not issue, a bad wait and a bad view name with 400 and the field at fault', async () => {
    const server = await start();
    const cases: Array<[string, string]> = [
      ['/api/views/stream/Order-1?atLeast=not-a-token', 'query.atLeast'],
      ['/api/views/stream/Order-1?atLeast=v1.bm9wZQ', 'query.atLeast'],
      ['/api/views/stream/Order-1?wait=soon', 'query.wait'],
      ['/api/views/stream/Order-1?wait=30001', 'query.wait'],
      ['/api/views/stream/Order-1?wait=-1', 'query.wait'],
      ['/api/views/bad-view/Order-1', 'path.view'],
    ];
    for (const [path, field] of cases) {
      const response = await server.request(path);
      expect(response.status, path).toBe(400);
      const body = await response.json();
      expect(body.type).toBe('validation-error');
      expect(body.errors.map((e: { path: string }) => e.path), path).toContain(field);
    }
  });

  it('when the projection is halted, waits out `wait` and answers 503 view-not-caught-up with Retry-After: 1', async () => {
    const server = await start({ PROJECTION_MAX_ATTEMPTS: '1' }, { modules: onlyProjections(fragileProjection({ poisonous: true })) });
    const written = await append(server, 'Order', 'o1', [{ type: 'Placed', data: { poison: true } }]);
    const started = Date.now();
    const response = await server.request(`/api/views/fragile/Order-o1?atLeast=${written.consistencyToken}&wait=300`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.json()).toMatchObject({ type: 'view-not-caught-up', status: 503, projection: 'fragile', projectionStatus: 'halted' });
  });

  it('a read waiting for a write that is not applied yet returns as soon as it is', async () => {
    const server = await start({ PROJECTION_MAX_ATTEMPTS: '1' }, { modules: onlyProjections(fragileProjection({ poisonous: true })) });
    await append(server, 'Order', 'o1', [{ type: 'Placed', data: { poison: true } }]);
    const later = await append(server, 'Order', 'o1', [{ type: 'Paid' }]);
    const waiting = server.request(`/api/views/fragile/Order-o1?atLeast=${later.consistencyToken}&wait=10000`);
    for (let i = 0; i < 100 && (await server.app.consumers.entry('fragile')).status !== 'halted'; i++) await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    const resumed = await postJson(server, '/api/projections/fragile/resume?skip=true', {});
    expect(resumed.status).toBe(202);
    const response = await waiting;
    expect(response.status).toBe(200);
    expect((await response.json()).data).toEqual({ count: 1 });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('two hosts of different regions over one log each build complete views of their own', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const europe = await start({ DATA_DIR: dataDir, REGION: 'westeurope' });
    const america = await start({ DATA_DIR: dataDir, REGION: 'eastus' });
    const tokens: Array<{ streamId: string; token: string }> = [];
    for (let i = 0; i < 10; i++) {
      const written = await append(i % 2 === 0 ? europe : america, 'Order', `o${i}`, [{ type: 'Placed' }, { type: 'Paid' }]);
      tokens.push({ streamId: written.streamId, token: written.consistencyToken });
    }
    for (const server of [europe, america])
      for (const { streamId, token } of tokens) {
        const response = await server.request(`/api/views/stream/${streamId}?atLeast=${token}`);
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject({ region: server.app.config.REGION, data: { version: 2 } });
      }
    // Each region's views are its own: a file per region in the data directory, or on Cosmos DB a
    // views account per region (VIEWS_ENDPOINT), each holding every stream's view.
    if (testStore() === 'cosmos')
      for (const server of [europe, america]) {
        const { resources } = await server.cosmos!.views.client().database('eventlog').container('views').items.query<{ key: string }>('SELECT c.key FROM c WHERE IS_DEFINED(c.key)').fetchAll();
        expect(new Set(resources.map((document) => document.key))).toEqual(new Set(tokens.map((t) => t.streamId)));
      }
    else {
      expect(existsSync(join(dataDir, 'views-westeurope.sqlite'))).toBe(true);
      expect(existsSync(join(dataDir, 'views-eastus.sqlite'))).toBe(true);
    }
    // The checkpoint follows the views by a moment; each region's reaches the head of the shared log
    // (on Cosmos DB, whose change feed has no global position: has applied every event).
    for (const server of [europe, america]) {
      let entry: unknown;
      for (let i = 0; i < 100; i++) {
        entry = (await (await server.request('/api/projections')).json()).projections[0];
        const { lag, eventsApplied } = entry as { lag: number | null; eventsApplied: number };
        if (testStore() === 'cosmos' ? eventsApplied === 20 : lag === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(entry).toMatchObject({ name: 'stream', position: 20, lag: caughtUpLag(), eventsApplied: 20 });
    }
  });
});
