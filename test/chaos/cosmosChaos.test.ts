import type { CosmosClient } from '@azure/cosmos';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsumerRuntime } from '../../src/consumers/runtime.ts';
import { defineProjection, defineView, sleep, type EventEnvelope, type ProjectionDefinition, type ReplaySource } from '../../src/core/index.ts';
import { openCosmosConflictFeed } from '../../src/reconciliation/cosmosConflictFeed.ts';
import { reconcileConflicts, type ReconcileReport } from '../../src/reconciliation/reconciler.ts';
import { openMemoryProjectionStorage } from '../../src/stores/memory/memoryProjectionStorage.ts';
import { initAccountDatabase, startCosmosAccount, TEST_KEY, type CosmosTestAccount } from '../support/cosmosAccount/index.ts';
import { startTestServer, type TestServer } from '../support/http.ts';

// The papers' test of a replicated store, on a two-region Cosmos DB test account with the product as
// it runs in Azure: each region's host reads its own copy and keeps its views in an account of its
// own. Clients append through both regions' hosts without pause while the write region is forced
// over again and again (each time taking acknowledged events the other region never received), read
// regions are cut off, planned failovers move the write region back and forth, and a projection is
// rebuilt under way. Afterwards nothing acknowledged may be missing or doubled in either region,
// streams have no gaps, every event a failover replaced in a region's views was found there and
// repaired, and every region's views are what a clean rebuild from its own copy gives.

const SEED = 0xc05_0dbc;
const REGIONS = ['westeurope', 'northeurope'] as const;
const FORCED_FAILOVERS = 5;
const WORKERS = 4;
const QUIET_STREAMS = 30;
const HOT_STREAMS = 3;

/** Counts event types per stream: it shows which events a region applied, not only how many. */
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

/** mulberry32: a small seeded generator, so every run makes the same choices. */
const seeded = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

interface Figures {
  attempted: number;
  acknowledged: number;
  eventsAcknowledged: number;
  rejected: Record<string, number>;
  forcedFailovers: number;
  plannedFailovers: number;
  readRegionCuts: number;
  replacedInViews: number;
  reconciled: number;
  lost: number;
}

describe('chaos on a two-region Cosmos DB account: forced and planned failovers, cuts and heals under continuous appends', () => {
  let log: CosmosTestAccount;
  const viewAccounts: CosmosTestAccount[] = [];
  const hosts = new Map<string, TestServer>();
  const acknowledged = new Set<string>();
  const sent = new Set<string>();
  const reports: ReconcileReport[] = [];
  const figures: Figures = { attempted: 0, acknowledged: 0, eventsAcknowledged: 0, rejected: {}, forcedFailovers: 0, plannedFailovers: 0, readRegionCuts: 0, replacedInViews: 0, reconciled: 0, lost: 0 };
  /** Clients hold still while a failover's at-risk window is set up, so the only writes it can lose are the ones it is shown. */
  let traffic: { open: boolean; inFlight: number } = { open: true, inFlight: 0 };

  beforeAll(async () => {
    log = await startCosmosAccount({ regions: [...REGIONS], replicationLagMs: 20, physicalPartitions: 2 });
    await initAccountDatabase(log);
    for (const region of REGIONS) {
      const views = await startCosmosAccount({ regions: [region], name: `views-${region}` });
      await initAccountDatabase(views);
      viewAccounts.push(views);
      hosts.set(
        region,
        await startTestServer(
          { EVENT_STORE: 'cosmos', COSMOS_ENDPOINT: log.endpoint, COSMOS_KEY: TEST_KEY, VIEWS_ENDPOINT: views.endpoint, VIEWS_KEY: TEST_KEY, REGION: region, REACTORS_ENABLED: 'false' },
          { modules: () => [{ name: 'chaos', projections: [typeCounts] }] },
        ),
      );
    }
  }, 60_000);

  afterAll(async () => {
    for (const host of hosts.values()) await host.close();
    for (const account of viewAccounts) await account.close();
    await log?.close();
  });

  const host = (region: string): TestServer => hosts.get(region)!;
  const writeRegion = (): string => REGIONS.find((r) => log.writeRegions().includes(r))!;
  const readRegion = (): string => REGIONS.find((r) => r !== writeRegion())!;

  const reject = (reason: string): void => {
    figures.rejected[reason] = (figures.rejected[reason] ?? 0) + 1;
  };

  /** One append through a region's API; events carry client ids, so even an unknown outcome is accounted for. */
  const append = async (
    region: string,
    streamId: string,
    body: { expectedVersion?: number | 'any' | 'no_stream'; events: Array<{ type: string; data: object }> },
  ): Promise<{ status: number; eventIds?: string[]; consistencyToken?: string }> => {
    figures.attempted++;
    const events = body.events.map((event) => ({ ...event, id: randomUUID() }));
    events.forEach((event) => sent.add(event.id));
    let response: Response;
    try {
      response = await host(region).request(`/api/streams/Item/${streamId}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...body, events }),
      });
    } catch (error) {
      reject(`network error ${(error as Error).message}`);
      return { status: 0 };
    }
    const answer = (await response.json()) as { eventIds?: string[]; type?: string; consistencyToken?: string };
    if (response.status !== 201) {
      reject(`${response.status} ${answer.type ?? ''}`.trim());
      return { status: response.status };
    }
    for (const id of answer.eventIds ?? []) acknowledged.add(id);
    figures.acknowledged++;
    figures.eventsAcknowledged += answer.eventIds?.length ?? 0;
    return { status: 201, eventIds: answer.eventIds, consistencyToken: answer.consistencyToken };
  };

  /** An append a client insists on, as a client retries a 503 after Retry-After (bounded). */
  const appendUntilAcknowledged = async (region: string, streamId: string, body: Parameters<typeof append>[2]) => {
    for (let attempt = 0; attempt < 40; attempt++) {
      const answer = await append(region, streamId, body);
      if (answer.status === 201 || answer.status === 409) return answer;
      await sleep(250);
    }
    throw new Error(`no region took the append to ${streamId}`);
  };

  const client = async (worker: number, running: () => boolean): Promise<void> => {
    const random = seeded(SEED + worker);
    for (let i = 0; running(); i++) {
      while (!traffic.open && running()) await sleep(5);
      if (!running()) break;
      traffic.inFlight++;
      try {
        const region = REGIONS[Math.floor(random() * REGIONS.length)]!;
        const hot = random() < 0.3;
        const stream = hot ? `h${Math.floor(random() * HOT_STREAMS)}` : `q${Math.floor(random() * QUIET_STREAMS)}`;
        const events = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, n) => ({ type: random() < 0.5 ? 'Changed' : 'Touched', data: { worker, i, n } }));
        let expectedVersion: number | 'any' = 'any';
        if (hot && random() < 0.5) {
          // Optimistic concurrency on a contended stream, with the version this region's copy shows.
          const info = await host(region).request(`/api/streams/Item/${stream}`).catch(() => undefined);
          expectedVersion = info?.status === 200 ? ((await info.json()) as { version: number }).version : 0;
        }
        await append(region, stream, { expectedVersion, events });
      } finally {
        traffic.inFlight--;
      }
      if (random() < 0.3) await sleep(random() * 5);
    }
  };

  const holdTraffic = async (): Promise<void> => {
    traffic.open = false;
    for (let waited = 0; traffic.inFlight > 0 && waited < 400; waited++) await sleep(25);
  };

  const reconcileEverywhere = async (): Promise<void> => {
    // Both regions' reconcilers at once, as their timer functions would run.
    await Promise.all(
      REGIONS.map(async (region) => {
        const opened = await openCosmosConflictFeed(host(region).app.config);
        try {
          reports.push(await reconcileConflicts({ feed: opened.feed, store: host(region).app.services.eventStore, region, policies: host(region).app.definition.reconciliation }));
        } finally {
          opened.close();
        }
      }),
    );
  };

  /**
   * One forced failover that loses an acknowledged event the old write region's views had applied, and
   * puts another event at its place in the new timeline: the divergence its views must find and repair.
   */
  const forcedFailoverReplacing = async (round: number): Promise<void> => {
    const from = writeRegion();
    const to = readRegion();
    await holdTraffic();
    // What clients were acknowledged so far reaches the other region first: only the shown write is at risk.
    for (let waited = 0; log.pendingReplication(to) > 0 && waited < 200; waited++) await sleep(10);
    log.setLag(to, 600_000);
    const stream = `replaced-${round}`;
    const atRisk = await appendUntilAcknowledged(from, stream, { expectedVersion: 'no_stream', events: [{ type: 'AtRisk', data: { round } }] });
    // The old write region's views apply it before the region goes.
    for (const view of ['stream', 'typeCounts']) {
      const seen = await host(from).request(`/api/views/${view}/Item-${stream}?atLeast=${encodeURIComponent(atRisk.consistencyToken!)}&wait=10000`);
      expect(seen.status, `${view} of ${stream} in ${from}`).toBe(200);
    }
    log.cut(from);
    log.forcedFailover(to);
    figures.forcedFailovers++;
    log.setLag(to, 20);
    log.setLag(from, 20);
    traffic.open = true;
    // The new write region takes another event at the lost one's place (its clients retry while their
    // SDK learns of the new write region).
    const replacing = await appendUntilAcknowledged(to, stream, { expectedVersion: 'no_stream', events: [{ type: 'Replacing', data: { round } }] });
    expect(replacing.status).toBe(201);
    figures.replacedInViews++;
    await sleep(150);
    log.heal(from);
    await reconcileEverywhere();
  };

  const chaos = async (): Promise<void> => {
    for (let round = 0; round < FORCED_FAILOVERS; round++) {
      await sleep(150);
      await forcedFailoverReplacing(round);
      if (round === 1) {
        // A rebuild under way while clients append and regions move.
        const rebuilt = await host(readRegion()).request('/api/projections/type-counts/rebuild', { method: 'POST' });
        expect(rebuilt.status).toBe(202);
      }
      if (round % 2 === 1) {
        // A read region cut off: its clients' reads go stale or fail; then it catches up.
        const region = readRegion();
        log.cut(region);
        figures.readRegionCuts++;
        await sleep(150);
        log.heal(region);
      }
      if (round % 2 === 0) {
        // A planned failover back and forth: replication drains first, so it loses nothing.
        const from = writeRegion();
        log.plannedFailover(readRegion());
        await sleep(150);
        log.plannedFailover(from);
        figures.plannedFailovers += 2;
      }
    }
  };

  /** Every event of a region's copy, through a client that reads that region. */
  const eventsIn = async (region: string): Promise<EventEnvelope[]> => {
    const client: CosmosClient = log.client({ connectionPolicy: { preferredLocations: [region] } });
    const { resources } = await client
      .database('eventlog')
      .container('events')
      .items.query<EventEnvelope>('SELECT * FROM c WHERE NOT IS_DEFINED(c.kind)')
      .fetchAll();
    return resources
      .map(({ id, streamId, aggregateType, aggregateId, sequence, type, schemaVersion, data, metadata, recordedAt, region: written }) => ({
        id, streamId, aggregateType, aggregateId, sequence, type, schemaVersion, data, metadata, recordedAt, region: written,
      }))
      .sort((a, b) => (a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : a.sequence - b.sequence));
  };

  /** The documents a clean rebuild of these events gives, by view and key. */
  const cleanRebuild = async (projections: readonly ProjectionDefinition[], events: EventEnvelope[]): Promise<Map<string, unknown>> => {
    const storage = openMemoryProjectionStorage();
    const runtime = new ConsumerRuntime({ projections, views: storage.views, checkpoints: storage.checkpoints, region: 'clean', maxAttempts: 1 });
    for (const name of runtime.names) await runtime.applyLive(name, events);
    const documents = new Map<string, unknown>();
    for (const projection of projections)
      for (const view of projection.views)
        for (const key of new Set(events.flatMap((event) => view.keysOf(event)))) {
          const read = await runtime.readView(view.name, key, { waitMs: 0 });
          documents.set(`${view.name}\n${key}`, read.kind === 'found' ? read.document.data : null);
        }
    return documents;
  };

  /** Served views equal to a clean rebuild of the region's copy, once its projections have caught up (bounded). */
  const viewsMatch = async (region: string, expected: Map<string, unknown>): Promise<string[]> => {
    const wrong: string[] = [];
    for (const [entry, data] of expected) {
      const [view, key] = entry.split('\n') as [string, string];
      const response = await host(region).request(`/api/views/${view}/${encodeURIComponent(key)}?wait=0`);
      const served = response.status === 200 ? ((await response.json()) as { data: unknown }).data : null;
      if (JSON.stringify(served) !== JSON.stringify(data)) wrong.push(`${view}/${key}: ${JSON.stringify(served)} != ${JSON.stringify(data)}`);
    }
    return wrong;
  };

  it(`loses no acknowledged event across ${FORCED_FAILOVERS} forced failovers, and repairs every view a failover made wrong`, async () => {
    const started = Date.now();
    let running = true;
    const clients = Array.from({ length: WORKERS }, (_, worker) => client(worker, () => running));
    try {
      await chaos();
    } finally {
      running = false;
      traffic = { open: true, inFlight: 0 };
      await Promise.all(clients);
    }

    // Quiet: every region reachable, replication drained, every conflict settled.
    for (const region of REGIONS) log.heal(region);
    for (let round = 0; round < 10; round++) {
      for (let waited = 0; REGIONS.some((region) => log.pendingReplication(region) > 0) && waited < 200; waited++) await sleep(25);
      await reconcileEverywhere();
      const latest = reports.slice(-REGIONS.length);
      if (latest.every((report) => report.examined === 0 && report.discarded === 0 && report.failed === 0)) break;
    }
    for (let waited = 0; REGIONS.some((region) => log.pendingReplication(region) > 0) && waited < 200; waited++) await sleep(25);

    const logs = new Map(await Promise.all(REGIONS.map(async (region) => [region, await eventsIn(region)] as const)));
    for (const [region, events] of logs) {
      const count = new Map<string, number>();
      for (const event of events) count.set(event.id, (count.get(event.id) ?? 0) + 1);
      const wrong = [...acknowledged].filter((id) => count.get(id) !== 1);
      figures.lost = Math.max(figures.lost, wrong.length);
      expect(wrong, `acknowledged events not exactly once in ${region}`).toEqual([]);
      expect(events.filter((e) => !sent.has(e.id)), `events nobody sent in ${region}`).toEqual([]);
      const sequences = new Map<string, number[]>();
      for (const event of events) sequences.set(event.streamId, [...(sequences.get(event.streamId) ?? []), event.sequence]);
      for (const [streamId, seen] of sequences) expect(seen, `sequences of ${streamId} in ${region}`).toEqual(seen.map((_, i) => i + 1));
    }
    const layout = (events: EventEnvelope[]) => events.map((e) => `${e.streamId}#${e.sequence}:${e.id}`);
    expect(layout(logs.get(REGIONS[1])!)).toEqual(layout(logs.get(REGIONS[0])!));

    // Views: every region's equal a clean rebuild of its own copy, once its projections have caught up.
    const projections = host(REGIONS[0]).app.definition.projections;
    for (const region of REGIONS) {
      const expected = await cleanRebuild(projections, logs.get(region)!);
      let wrong: string[] = [];
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(200)) {
        const entries = await host(region).app.consumers.entries();
        if (entries.some((entry) => entry.status !== 'running')) continue;
        wrong = await viewsMatch(region, expected);
        if (wrong.length === 0) break;
      }
      expect(wrong, `views of ${region} against a clean rebuild`).toEqual([]);
    }

    // Divergence: each replaced event was found, and repaired, by every projection of the region that had applied it.
    let detected = 0;
    let repaired = 0;
    for (const region of REGIONS)
      for (const entry of await host(region).app.consumers.entries()) {
        detected += entry.divergence?.detected ?? 0;
        repaired += entry.divergence?.repaired ?? 0;
      }
    const injected = figures.replacedInViews * projections.length;

    figures.reconciled = reports.reduce((sum, r) => sum + r.reappended + r.present + r.compensated, 0);
    process.stdout.write(
      [
        `cosmos chaos (seed ${SEED}, ${((Date.now() - started) / 1000).toFixed(1)} s): appends attempted ${figures.attempted}, ` +
          `acknowledged ${figures.acknowledged} (${figures.eventsAcknowledged} events), ` +
          `rejected ${Object.values(figures.rejected).reduce((a, b) => a + b, 0)} (${Object.entries(figures.rejected).map(([why, n]) => `${why}: ${n}`).join(', ')}), ` +
          `reconciled ${figures.reconciled}, lost ${figures.lost}`,
        `  forced failovers ${figures.forcedFailovers}, planned failovers ${figures.plannedFailovers}, read-region cuts ${figures.readRegionCuts}, ` +
          `divergences injected ${injected} (${figures.replacedInViews} events x ${projections.length} projections), detected ${detected}, repaired ${repaired}, ` +
          `events per region ${logs.get(REGIONS[0])!.length}`,
      ].join('\n') + '\n',
    );
    expect(figures.forcedFailovers).toBeGreaterThanOrEqual(5);
    expect(figures.lost).toBe(0);
    expect(figures.reconciled).toBeGreaterThanOrEqual(FORCED_FAILOVERS);
    expect(detected).toBe(injected);
    expect(repaired).toBe(injected);
  }, 120_000);
});
