import { afterEach, describe, expect, it } from 'vitest';
import type { AppModule } from '../../src/app/module.ts';
import { defineProjection, defineView } from '../../src/core/index.ts';
import { startCosmosAccount, TEST_KEY, initAccountDatabase, type CosmosTestAccount } from '../support/cosmosAccount/index.ts';
import { postJson, startTestServer, type TestServer } from '../support/http.ts';

// The product's regions on a two-region Cosmos DB test account: each region's host reads its own copy,
// what an append decides on comes from the write region, an event a forced failover replaced is found
// and repaired, a multi-write account is refused, and a write read back from another region waits for
// that region's copy. Each region keeps its views in an account of its own, as in Azure.

const WEST = 'westeurope';
const NORTH = 'northeurope';

/** Counts event types per stream: a view that shows which events a region applied, not only how many. */
const typeCounts = defineProjection({
  name: 'type-counts',
  version: 1,
  eventTypes: 'all',
  views: [
    defineView<{ [type: string]: number }>({
      name: 'typeCounts',
      keysOf: (event) => [event.streamId],
      reduce: (current, event) => ({ ...current, [event.type]: (current?.[event.type] ?? 0) + 1 }),
    }),
  ],
});
const counting = (): AppModule[] => [{ name: 'counting', projections: [typeCounts] }];

interface Regions {
  log: CosmosTestAccount;
  views: CosmosTestAccount[];
  west: TestServer;
  north: TestServer;
}

const running: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of running.splice(0).reverse()) await close();
});

/** The log's account in two regions, a views account per region, and a host per region. */
const startRegions = async (options: { multiWrite?: boolean; modules?: () => AppModule[] } = {}): Promise<Regions> => {
  const log = await startCosmosAccount({ regions: [WEST, NORTH], multiWrite: options.multiWrite ?? false, physicalPartitions: 1 });
  running.push(() => log.close());
  await initAccountDatabase(log);
  const views = await Promise.all([WEST, NORTH].map((region) => startCosmosAccount({ regions: [region], name: `views-${region}` })));
  for (const account of views) {
    running.push(() => account.close());
    await initAccountDatabase(account);
  }
  const host = async (region: string, index: number): Promise<TestServer> => {
    const server = await startTestServer(
      {
        EVENT_STORE: 'cosmos',
        COSMOS_ENDPOINT: log.endpoint,
        COSMOS_KEY: TEST_KEY,
        VIEWS_ENDPOINT: views[index]!.endpoint,
        VIEWS_KEY: TEST_KEY,
        REGION: region,
        REACTORS_ENABLED: index === 0 ? 'true' : 'false',
      },
      options.modules ? { modules: options.modules } : {},
    );
    running.push(() => server.close());
    return server;
  };
  return { log, views, west: await host(WEST, 0), north: await host(NORTH, 1) };
};

const append = async (server: TestServer, stream: string, body: unknown, headers: Record<string, string> = {}) => {
  const response = await postJson(server, `/api/streams/Order/${stream}/events`, body, headers);
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> & { eventIds?: string[] } };
};

/** As a client does: an append answered 503 is sent again after Retry-After (bounded). */
const appendRetrying = async (server: TestServer, stream: string, body: unknown, headers: Record<string, string> = {}) => {
  for (let attempt = 0; ; attempt++) {
    const answer = await append(server, stream, body, { 'idempotency-key': 'retried', ...headers });
    if (answer.status !== 503 || attempt >= 20) return answer;
    await new Promise((resolve) => setTimeout(resolve, Number(answer.headers.get('retry-after') ?? 1) * 1000));
  }
};

/** Polls (bounded) until the condition holds. */
const until = async (condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

describe('regions on a Cosmos DB account', () => {
  it("each region's host projects from its own copy, and keeps doing so when the write region is cut off", async () => {
    const { log, west, north } = await startRegions();
    const appended = await append(west, 'own-1', { events: [{ type: 'Placed', data: {} }, { type: 'Paid', data: {} }] });
    expect(appended.status).toBe(201);
    const feedReadsBefore = log.requests.length;
    log.cut(WEST);
    const view = await north.request(`/api/views/stream/Order-own-1?atLeast=${String(appended.body.consistencyToken)}&wait=10000`);
    expect(view.status).toBe(200);
    expect(((await view.json()) as { data: { version: number } }).data.version).toBe(2);
    const feedReads = log.requests.slice(feedReadsBefore).filter((r) => r.kind === 'changeFeed');
    expect(feedReads.length).toBeGreaterThan(0);
    expect(new Set(feedReads.map((r) => r.region))).toEqual(new Set([NORTH]));
    log.heal(WEST);
  });

  it('an append through a lagging read region decides on the write region: right versions succeed, a stale one learns the true version', async () => {
    const { log, west, north } = await startRegions();
    log.setLag(NORTH, 5_000);
    expect((await append(west, 'lag-1', { expectedVersion: 'no_stream', events: [{ type: 'Placed', data: {} }, { type: 'Paid', data: {} }, { type: 'Packed', data: {} }] })).status).toBe(201);
    // North's copy has none of it for five seconds; none of these wait for it.
    const started = Date.now();
    expect(await append(north, 'lag-1', { expectedVersion: 3, events: [{ type: 'Shipped', data: {} }] })).toMatchObject({ status: 201, body: { version: 4 } });
    expect(await append(north, 'lag-1', { expectedVersion: 'exists', events: [{ type: 'Delivered', data: {} }] })).toMatchObject({ status: 201, body: { version: 5 } });
    expect(await append(north, 'lag-1', { events: [{ type: 'Reviewed', data: {} }] })).toMatchObject({ status: 201, body: { version: 6 } });
    expect(await append(north, 'lag-1', { expectedVersion: 1, events: [{ type: 'Late', data: {} }] })).toMatchObject({
      status: 409,
      body: { type: 'concurrency-conflict', expectedVersion: 1, currentVersion: 6 },
    });
    // The same request again with its Idempotency-Key is a replay, found in the write region.
    const keyed = { events: [{ type: 'Noted', data: { n: 1 } }] };
    const first = await append(west, 'lag-1', keyed, { 'idempotency-key': 'note-1' });
    const again = await append(north, 'lag-1', keyed, { 'idempotency-key': 'note-1' });
    expect([first.status, again.status, again.headers.get('idempotent-replayed')]).toEqual([201, 201, 'true']);
    expect(again.body.eventIds).toEqual(first.body.eventIds);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("a command decides on the write region's copy: a post made in one region is deleted through the other at once", async () => {
    const { log, west, north } = await startRegions();
    log.setLag(NORTH, 5_000);
    const created = (await (await postJson(west, '/api/posts', { authorId: 'a-1', title: 'Hello', body: 'World' })).json()) as { postId: string };
    const deleted = await north.request(`/api/posts/${created.postId}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
  });

  it("reads with a write's token wait for this region's copy: the event is there, no sleep in the client", async () => {
    const { log, west, north } = await startRegions();
    log.setLag(NORTH, 400);
    const appended = await append(west, 'ryw-1', { events: [{ type: 'Placed', data: { total: 3 } }] });
    const token = encodeURIComponent(String(appended.body.consistencyToken));
    const events = await north.request(`/api/streams/Order/ryw-1/events?atLeast=${token}&wait=5000`);
    expect(events.status).toBe(200);
    expect(((await events.json()) as { events: Array<{ type: string }> }).events.map((e) => e.type)).toEqual(['Placed']);
    const info = await north.request(`/api/streams/Order/ryw-1?atLeast=${token}`);
    expect([info.status, ((await info.json()) as { version: number }).version]).toEqual([200, 1]);

    log.setLag(NORTH, 5_000);
    const later = await append(west, 'ryw-1', { events: [{ type: 'Paid', data: {} }] });
    const notYet = await north.request(`/api/streams/Order/ryw-1/events?atLeast=${encodeURIComponent(String(later.body.consistencyToken))}&wait=300`);
    expect([notYet.status, notYet.headers.get('retry-after')]).toEqual([503, '1']);
    expect(await notYet.json()).toMatchObject({ type: 'stream-not-caught-up', streamId: 'Order-ryw-1', atLeast: 2, version: 1 });
  });

  it('an event a forced failover replaced is found as divergence in the region that had applied it, and repaired there without an operator', async () => {
    const { log, west, north } = await startRegions({ modules: counting });
    log.setLag(NORTH, 60_000);
    // West (the write region) acknowledges an event north never receives, and projects it.
    const lost = await append(west, 'div-1', { expectedVersion: 'no_stream', events: [{ type: 'Placed', data: {} }] });
    expect(lost.status).toBe(201);
    const lostToken = encodeURIComponent(String(lost.body.consistencyToken));
    expect((await west.request(`/api/views/typeCounts/Order-div-1?atLeast=${lostToken}`)).status).toBe(200);

    // West fails; north takes over without the event, and another event takes its place.
    log.cut(WEST);
    log.forcedFailover(NORTH);
    log.setLag(WEST, 0);
    // Writes reach the new write region once the app's client has re-read the account's regions.
    const replacing = await appendRetrying(north, 'div-1', { expectedVersion: 'no_stream', events: [{ type: 'Cancelled', data: {} }] });
    expect(replacing.body).toMatchObject({ version: 1 });
    // West comes back as a read region: its copy is the new timeline, the lost event is on the conflicts feed.
    log.heal(WEST);
    const healthy = async () => ((await (await west.request('/api/health')).json()) as { conflicts?: number }).conflicts;
    await until(async () => ((await west.app.consumers.entry('type-counts')).divergence?.repaired ?? 0) >= 1);
    expect((await west.app.consumers.entry('type-counts')).divergence).toMatchObject({ detected: 1, repaired: 1, last: [{ streamId: 'Order-div-1', sequence: 1, eventId: replacing.body.eventIds![0] }] });
    expect(await healthy()).toBeGreaterThanOrEqual(1);

    // The reconciler puts the lost event back in the log; every region's views follow the log.
    const { reconcileConflicts } = await import('../../src/reconciliation/reconciler.ts');
    const { openCosmosConflictFeed } = await import('../../src/reconciliation/cosmosConflictFeed.ts');
    const opened = await openCosmosConflictFeed(north.app.config);
    const report = await reconcileConflicts({ feed: opened.feed, store: north.app.services.eventStore, region: NORTH });
    opened.close();
    expect(report.reappended).toBe(1);
    for (const host of [west, north])
      await until(async () => {
        const view = await host.request('/api/views/typeCounts/Order-div-1?wait=0');
        return view.status === 200 && JSON.stringify(((await view.json()) as { data: unknown }).data) === JSON.stringify({ Cancelled: 1, Placed: 1 });
      });
    // Health adds up the region's projections: the one replaced event was found, and repaired, by each of them.
    const projections = west.app.consumers.projectionNames.length;
    expect(((await (await west.request('/api/health')).json()) as { divergence?: unknown }).divergence).toEqual({ detected: projections, repaired: projections });
    expect((await north.app.consumers.entry('type-counts')).divergence).toBeUndefined();
  });

  it("a view read with fallback=central is answered from the log when this region's views account is unreachable", async () => {
    const { views, west, north } = await startRegions();
    const appended = await append(west, 'central-1', { events: [{ type: 'Placed', data: {} }, { type: 'Paid', data: {} }] });
    views[1]!.cut(NORTH);
    const local = await north.request('/api/views/stream/Order-central-1?wait=0');
    expect(local.status).toBe(503);
    const central = await north.request(`/api/views/stream/Order-central-1?fallback=central&atLeast=${encodeURIComponent(String(appended.body.consistencyToken))}`);
    expect([central.status, central.headers.get('x-eventlog-view-source')]).toEqual([200, 'central']);
    expect(((await central.json()) as { data: unknown }).data).toMatchObject({ streamId: 'Order-central-1', version: 2, lastEventType: 'Paid' });
    // A view made from many streams cannot be folded from one: it answers as before.
    expect((await north.request('/api/views/post/no-such-post?fallback=central&wait=0')).status).toBe(503);
    views[1]!.heal(NORTH);
  });

  it('an account that takes writes in several regions is refused: appends answer a problem and write nothing', async () => {
    const { log, west } = await startRegions({ multiWrite: true });
    const refused = await append(west, 'mw-1', { events: [{ type: 'Placed', data: {} }] });
    expect([refused.status, refused.body.type]).toEqual([503, 'multiple-write-regions']);
    const container = log.client().database('eventlog').container('events');
    const { resources } = await container.items.query('SELECT * FROM c WHERE c.streamId = "Order-mw-1"').fetchAll();
    expect(resources).toEqual([]);
  });
});
