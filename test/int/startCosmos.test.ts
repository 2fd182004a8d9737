import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildHost, type ChildHost } from '../support/childHost.ts';
import { runProcess, tempDirs } from '../support/processes.ts';

// `npm run start:cosmos` (test/support/cosmosAccount/start.ts) as a user runs it: the test account and
// the local host on it in one process, then the README's tour ("Try it") against it.

const START = fileURLToPath(new URL('../support/cosmosAccount/start.ts', import.meta.url));
const dataDir = tempDirs('eventlog-start-cosmos-');

const stop = async (host: ChildHost | undefined): Promise<void> => {
  host?.process.kill('SIGTERM');
  await host?.exited;
};

describe('npm run start:cosmos', () => {
  let host: ChildHost;
  beforeAll(async () => {
    host = await startChildHost({ DATA_DIR: dataDir(), REGIONS: '' }, 30_000, { entry: START });
  });
  afterAll(() => stop(host));

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${host.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('says where the account is, and serves the local host on it in region westeurope', () => {
    expect(host.output()).toMatch(/^Cosmos DB test account on http:\/\/127\.0\.0\.1:\d+ \(regions westeurope http:\/\/127\.0\.0\.1:\d+\/; write region westeurope\)$/m);
    expect(host.output()).toMatch(/^COSMOS_ENDPOINT=http:\/\/127\.0\.0\.1:\d+ COSMOS_KEY=\S+$/m);
    expect(host.output()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+\/api \(region westeurope, store cosmos\)/);
  });

  it("runs the README's tour: 201, the same again replayed, 409, reads, stream metadata, health, a view with atLeast", async () => {
    const placeOrder = {
      expectedVersion: 'no_stream',
      events: [
        { type: 'OrderPlaced', data: { customer: 'c-7', total: 30 } },
        { type: 'ItemAdded', data: { sku: 'book-1', qty: 2 } },
      ],
    };
    const created = await post('/api/streams/Order/42/events', placeOrder, { 'Idempotency-Key': 'place-order-42' });
    expect(created.status).toBe(201);
    const body = (await created.json()) as { consistencyToken: string };
    expect(body).toMatchObject({ streamId: 'Order-42', aggregateType: 'Order', aggregateId: '42', firstSequence: 1, lastSequence: 2, version: 2 });
    expect(body.consistencyToken).toMatch(/^v1\./);

    const again = await post('/api/streams/Order/42/events', placeOrder, { 'Idempotency-Key': 'place-order-42' });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(body);

    const stale = await post('/api/streams/Order/42/events', { expectedVersion: 1, events: [{ type: 'OrderShipped', data: {} }] });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ type: 'concurrency-conflict', expectedVersion: 1, currentVersion: 2 });

    const read = await fetch(`${host.url}/api/streams/Order/42/events?fromVersion=1&limit=100`);
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ version: 2, events: [{ sequence: 1, type: 'OrderPlaced', region: 'westeurope' }, { sequence: 2, type: 'ItemAdded' }] });
    const stream = await fetch(`${host.url}/api/streams/Order/42`);
    expect(await stream.json()).toMatchObject({ streamId: 'Order-42', version: 2 });
    const health = await fetch(`${host.url}/api/health`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok', store: 'cosmos', region: 'westeurope', version: expect.any(String), conflicts: 0 }]);

    // Read your own write without sleeping: the view is fed by the local follower on the change feed.
    const paid = (await (await post('/api/streams/Order/42/events', { events: [{ type: 'OrderPaid', data: { amount: 30 } }] })).json()) as { consistencyToken: string };
    const started = Date.now();
    const view = await fetch(`${host.url}/api/views/stream/Order-42?atLeast=${paid.consistencyToken}`);
    expect(view.status).toBe(200);
    expect(((await view.json()) as { data: unknown }).data).toMatchObject({ version: 3, eventCount: 3, lastEventType: 'OrderPaid' });
    expect(Date.now() - started).toBeLessThan(3_000);
    const projections = await fetch(`${host.url}/api/projections`);
    expect(projections.status).toBe(200);
    const entries = ((await projections.json()) as { projections: Array<{ name: string }> }).projections;
    expect(entries.find((p) => p.name === 'stream')).toMatchObject({ status: 'running', eventsApplied: 3 });
  });
});

describe('npm run start:cosmos with REGIONS', () => {
  let first: ChildHost | undefined;
  let second: ChildHost | undefined;
  afterAll(async () => {
    await stop(second);
    await stop(first);
  });

  it('starts the first region\'s host and prints the settings of the other\'s, which serve it with views of its own', async () => {
    first = await startChildHost({ DATA_DIR: dataDir(), REGIONS: 'westeurope,northeurope' }, 30_000, { entry: START });
    expect(first.output()).toMatch(/regions westeurope http:\S+, northeurope http:\S+; write region westeurope/);
    const printed = /^ {2}(EVENT_STORE=cosmos .*) npm start$/m.exec(first.output());
    expect(printed).not.toBeNull();
    const env = Object.fromEntries(printed![1]!.split(' ').map((pair) => pair.split(/=(.*)/s).slice(0, 2) as [string, string]));
    expect(env).toMatchObject({ REGION: 'northeurope', REACTORS_ENABLED: 'false', VIEWS_ENDPOINT: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    second = await startChildHost({ ...env, DATA_DIR: dataDir() });

    const appended = (await (
      await fetch(`${first.url}/api/streams/Order/7/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events: [{ type: 'Placed', data: {} }] }) })
    ).json()) as { consistencyToken: string };
    for (const [host, region] of [[first, 'westeurope'], [second, 'northeurope']] as const) {
      const view = await fetch(`${host.url}/api/views/stream/Order-7?atLeast=${appended.consistencyToken}`);
      expect(view.status).toBe(200);
      expect(await view.json()).toMatchObject({ region, data: { version: 1 } });
    }
    // Its own views: the northeurope host's projection applied the event in its own views account.
    const { projections } = (await (await fetch(`${second.url}/api/projections`)).json()) as { projections: Array<{ name: string; eventsApplied: number }> };
    expect(projections.find((p) => p.name === 'stream')?.eventsApplied).toBe(1);
  });

  it('refuses a region it does not know, in one line', async () => {
    const run = await runProcess(process.execPath, ['--disable-warning=ExperimentalWarning', START], {
      env: { PATH: process.env.PATH ?? '', REGIONS: 'westeurope,atlantis' },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^start:cosmos: REGIONS: unknown Azure region "atlantis"; known: westeurope, /);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
