import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { sleep } from '../../src/core/index.ts';
import { productApp } from '../../src/product.ts';
import { startRegionSimulation, type RegionSimulation } from '../../src/simulation/simulation.ts';
import { tempDir } from '../support/http.ts';

// Two regions of the product over HTTP, as `npm run start:regions` runs them: writes, reads and views
// per region, and the operator routes of the simulated account.

const API_KEY = 'api-key-for-tests';
const ADMIN_KEY = 'admin-key-for-tests';
const LAG_MS = 300;

let dir: string;
let simulation: RegionSimulation;

beforeEach(async () => {
  dir = tempDir('eventlog-regions-int-');
  const config = loadConfig({ DATA_DIR: dir, API_KEY, ADMIN_KEY, REACTORS_ENABLED: 'false' });
  simulation = await startRegionSimulation({
    config,
    definition: productApp(config),
    account: { regions: ['west', 'east'], replicationLagMs: LAG_MS },
  });
});
afterEach(async () => {
  await simulation.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = (region: string, path: string, init: { method?: string; body?: unknown; key?: string } = {}) =>
  fetch(`${simulation.host(region).url}/api/${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { 'x-functions-key': init.key ?? ADMIN_KEY, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });

const appendVia = (region: string, aggregateId: string, type: string) =>
  call(region, `streams/Order/${aggregateId}/events`, { body: { events: [{ type, data: {} }] }, key: API_KEY });

const eventually = async (check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(25);
  }
};

describe('two regions over HTTP', () => {
  it('serve a write made in one region in the other after the replication lag, in its log and its views', async () => {
    const written = await appendVia('east', 'o-1', 'Placed');
    expect(written.status).toBe(201);
    const { consistencyToken } = (await written.json()) as { consistencyToken: string };

    expect((await call('east', 'streams/Order/o-1', { key: API_KEY })).status).toBe(404);
    const view = await call('east', `views/stream/Order-o-1?atLeast=${consistencyToken}&wait=5000`, { key: API_KEY });
    expect(view.status).toBe(200);
    expect(await view.json()).toMatchObject({ region: 'east', data: { version: 1, lastEventType: 'Placed' } });
    const stream = await call('east', 'streams/Order/o-1/events', { key: API_KEY });
    expect(await stream.json()).toMatchObject({ version: 1, events: [{ type: 'Placed', region: 'west' }] });
  });

  it('share the keys of personal data: a user registered in one region reads plain in the other, and erased once erased', async () => {
    const registered = await call('west', 'users', { body: { email: 'ines@example.com', name: 'Ines' }, key: API_KEY });
    expect(registered.status, await registered.clone().text()).toBe(201);
    const { userId } = (await registered.json()) as { userId: string };
    const dataIn = async (region: string) => {
      const read = await call(region, `streams/User/${userId}/events`, { key: API_KEY });
      return read.status === 200 ? ((await read.json()) as { events: { data: Record<string, unknown> }[] }).events[0]!.data : undefined;
    };
    await eventually(async () => (await dataIn('east')) !== undefined);
    expect(await dataIn('west')).toEqual({ email: 'ines@example.com', name: 'Ines' });
    expect(await dataIn('east')).toEqual({ email: 'ines@example.com', name: 'Ines' });

    expect((await call('west', `subjects/${userId}/erase`, { method: 'POST' })).status).toBe(200);
    // East may serve the key it cached for up to 5 minutes (docs/lifecycle.md); the erasing region, at once.
    expect(await dataIn('west')).toEqual({ email: '(erased)', name: '(erased)' });
  });

  it('show the account, and refuse with a problem what its state does not allow', async () => {
    expect(await (await call('east', 'regions', { key: API_KEY })).json()).toMatchObject({
      mode: 'single-write',
      writeRegion: 'west',
      regions: [{ name: 'west', role: 'write', connected: true }, { name: 'east', role: 'read', connected: true }],
    });
    expect((await call('east', 'regions/east/cut', { method: 'POST' })).status).toBe(200);

    const refused = await appendVia('east', 'o-1', 'Placed');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({ type: 'store-unavailable', detail: 'write region west is unreachable from east' });

    const planned = await call('west', 'regions/failover', { body: { to: 'east' } });
    expect(planned.status).toBe(409);
    expect(await planned.json()).toMatchObject({ type: 'region-operation-rejected', detail: expect.stringMatching(/use a forced failover/) });
    expect(await (await call('west', 'regions/nowhere/heal', { method: 'POST' })).json()).toMatchObject({
      status: 404,
      detail: 'no region named nowhere; the account has west, east',
    });
    const bad = await call('west', 'regions/failover', { body: { to: 'east', force: 'yes' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ errors: [{ path: 'body.force' }] });
    expect((await call('west', 'regions/east/heal', { method: 'POST' })).status).toBe(200);
    expect((await appendVia('east', 'o-1', 'Placed')).status).toBe(201);
  });

  it('need the admin key for the operator routes', async () => {
    expect((await call('west', 'regions/east/cut', { method: 'POST', key: API_KEY })).status).toBe(401);
    expect((await call('west', 'regions/conflicts', { key: API_KEY })).status).toBe(401);
    expect((await call('west', 'regions', { key: API_KEY })).status).toBe(200);
  });

  it('bring writes lost in a forced failover back through the conflicts feed and the reconcile route', async () => {
    expect((await appendVia('west', 'o-1', 'Placed')).status).toBe(201);
    await simulation.account.settle();
    await call('west', 'regions/west/cut', { method: 'POST' });
    const atRisk = (await (await appendVia('west', 'o-1', 'Paid')).json()) as { eventIds: string[] };
    expect((await call('east', 'regions/failover', { body: { to: 'east', force: true } })).status).toBe(200);
    expect((await appendVia('east', 'o-1', 'Cancelled')).status).toBe(201);
    const offline = await appendVia('west', 'o-1', 'Paid');
    expect(offline.status).toBe(503);
    expect(await offline.json()).toMatchObject({ detail: expect.stringMatching(/west is offline after a forced failover/) });

    await call('west', 'regions/west/heal', { method: 'POST' });
    const { conflicts } = (await (await call('east', 'regions/conflicts')).json()) as { conflicts: Array<{ operationType: string; content: string }> };
    expect(conflicts.map((c) => [c.operationType, JSON.parse(c.content).id])).toEqual([['create', atRisk.eventIds[0]]]);
    const report = await call('east', 'regions/reconcile', { method: 'POST' });
    expect(await report.json()).toMatchObject({ region: 'east', reappended: 1, outcomes: [{ outcome: 'reappended', from: 2, to: 3 }] });

    for (const region of ['west', 'east'])
      await eventually(async () => {
        const read = (await (await call(region, 'streams/Order/o-1/events', { key: API_KEY })).json()) as { events?: Array<{ type: string }> };
        return JSON.stringify(read.events?.map((e) => e.type)) === JSON.stringify(['Placed', 'Cancelled', 'Paid']);
      });
    // West lost events it had projected: its views were rebuilt from its log.
    await eventually(async () => {
      const view = (await (await call('west', 'views/stream/Order-o-1', { key: API_KEY })).json()) as { data?: { eventCount: number } };
      const projections = (await (await call('west', 'projections', { key: API_KEY })).json()) as { projections: Array<{ name: string; generation: number; status: string }> };
      const stream = projections.projections.find((p) => p.name === 'stream');
      return view.data?.eventCount === 3 && stream?.generation === 2 && stream.status === 'running';
    });
  });
});
