import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { sleep, type EventEnvelope } from '../../src/core/index.ts';
import { silentLogger } from '../../src/core/index.ts';
import { LogFollower } from '../../src/consumers/follower.ts';
import { ConsumerRuntime } from '../../src/consumers/runtime.ts';
import { productApp } from '../../src/product.ts';
import type { ReconcileReport } from '../../src/reconciliation/reconciler.ts';
import { startRegionSimulation, type RegionHost, type RegionSimulation } from '../../src/simulation/simulation.ts';
import { openMemoryProjectionStorage } from '../../src/stores/memory/memoryProjectionStorage.ts';
import { tempDir } from '../support/http.ts';

// The papers' test of a replicated store, on the simulated account: clients append through both
// regions' APIs without pause (many streams, a few contended) while the write region is cut off,
// forced to fail over and healed, again and again, with read-region cuts and planned failovers in
// between. Afterwards nothing acknowledged may be missing or doubled in any region, streams have no
// gaps, and every region's views are what a clean rebuild from its own log gives.
//
// "Exactly once" is counted by event id: the reconciler appends a lost event again under its own id
// (with `metadata.reconciledFrom`), so an acknowledged id must appear once in each region's log.

const SEED = 0x5eed_c0de;
const REGIONS = ['west', 'east'];
const FORCED_FAILOVERS = 6;
const WORKERS = 6;
const QUIET_STREAMS = 40;
const HOT_STREAMS = 3;

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
  /** Appends answered 201, and the events they carried. */
  acknowledged: number;
  eventsAcknowledged: number;
  rejected: Record<string, number>;
  forcedFailovers: number;
  plannedFailovers: number;
  readRegionCuts: number;
  conflictsReconciled: number;
  lost: number;
}

describe('chaos: cuts, forced failovers and heals under continuous appends', () => {
  let dir: string;
  let simulation: RegionSimulation;
  const acknowledged = new Set<string>();
  /** Ids of every event sent, acknowledged or not: nothing else may ever be in a log. */
  const sent = new Set<string>();
  const figures: Figures = { attempted: 0, acknowledged: 0, eventsAcknowledged: 0, rejected: {}, forcedFailovers: 0, plannedFailovers: 0, readRegionCuts: 0, conflictsReconciled: 0, lost: 0 };
  const reports: ReconcileReport[] = [];

  beforeAll(async () => {
    dir = tempDir('eventlog-chaos-');
    const config = loadConfig({ EVENT_STORE: 'memory', DATA_DIR: dir, REACTORS_ENABLED: 'false' });
    simulation = await startRegionSimulation({
      config,
      definition: productApp(config),
      account: { regions: REGIONS, replicationLagMs: 40, crossRegionLatencyMs: 1 },
      replicateEveryMs: 10,
    });
  });

  afterAll(async () => {
    await simulation?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const reject = (reason: string): void => {
    figures.rejected[reason] = (figures.rejected[reason] ?? 0) + 1;
  };

  /** One append through a region's API; events carry client ids, so even an unknown outcome is accounted for. */
  const append = async (host: RegionHost, streamId: string, body: { expectedVersion?: number | 'any'; events: Array<{ type: string; data: object }> }): Promise<void> => {
    figures.attempted++;
    const events = body.events.map((event) => ({ ...event, id: randomUUID() }));
    events.forEach((event) => sent.add(event.id));
    let response: Response;
    try {
      response = await fetch(`${host.url}/api/streams/Item/${streamId}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...body, events }),
      });
    } catch (error) {
      return reject(`network error ${(error as Error).message}`);
    }
    const answer = (await response.json()) as { eventIds?: string[]; type?: string };
    if (response.status !== 201) return reject(`${response.status} ${answer.type ?? ''}`.trim());
    for (const id of answer.eventIds ?? []) acknowledged.add(id);
    figures.acknowledged++;
    figures.eventsAcknowledged += answer.eventIds?.length ?? 0;
  };

  const client = async (worker: number, running: () => boolean): Promise<void> => {
    const random = seeded(SEED + worker);
    for (let i = 0; running(); i++) {
      const host = simulation.hosts[Math.floor(random() * simulation.hosts.length)]!;
      const hot = random() < 0.3;
      const stream = hot ? `h${Math.floor(random() * HOT_STREAMS)}` : `q${Math.floor(random() * QUIET_STREAMS)}`;
      const events = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, n) => ({ type: 'Changed', data: { worker, i, n } }));
      let expectedVersion: number | 'any' = 'any';
      if (hot && random() < 0.5) {
        // Optimistic concurrency on a contended stream, with the version this region's replica shows.
        const info = await fetch(`${host.url}/api/streams/Item/${stream}`);
        expectedVersion = info.status === 200 ? ((await info.json()) as { version: number }).version : 0;
      }
      await append(host, stream, { expectedVersion, events });
      if (random() < 0.2) await sleep(random() * 3);
    }
  };

  const reconcileEverywhere = async (): Promise<void> => {
    // Both regions' reconcilers at once, as their timer functions would run.
    reports.push(...(await Promise.all(simulation.hosts.map((host) => host.reconcile()))));
  };

  const chaos = async (): Promise<void> => {
    const { account } = simulation;
    for (let round = 0; round < FORCED_FAILOVERS; round++) {
      const oldWrite = account.writeRegion;
      const next = REGIONS.find((r) => r !== oldWrite)!;
      await sleep(100);
      account.cut(oldWrite);
      // The old write region still acknowledges its own clients' writes: these cannot replicate now.
      for (let k = 0; k < 3; k++) await append(simulation.host(oldWrite), `q${round}`, { events: [{ type: 'AtRisk', data: { round, k } }] });
      await sleep(60);
      await account.failover(next, { force: true });
      figures.forcedFailovers++;
      await sleep(100);
      account.heal(oldWrite);
      await reconcileEverywhere();
      if (round % 2 === 1) {
        // A read region cut off: its clients' writes are refused, its reads go stale; then it catches up.
        account.cut(oldWrite);
        figures.readRegionCuts++;
        await sleep(60);
        account.heal(oldWrite);
      }
      if (round % 3 === 2) {
        // A planned failover back and forth: replication drains first, so it loses nothing.
        await account.failover(oldWrite);
        await sleep(40);
        await account.failover(next);
        figures.plannedFailovers += 2;
      }
    }
  };

  const quiesce = async (): Promise<void> => {
    const { account } = simulation;
    for (const region of REGIONS) account.heal(region);
    for (let round = 0; round < 10 && (round === 0 || account.conflicts.size > 0); round++) {
      await account.settle();
      await reconcileEverywhere();
    }
    await account.settle();
    const deadline = Date.now() + 30_000;
    for (;;) {
      const entries = (await Promise.all(simulation.hosts.map((host) => host.app.consumers.entries()))).flat();
      if (entries.every((e) => e.status === 'running' && e.lag === 0)) return;
      if (Date.now() > deadline) throw new Error(`projections did not catch up: ${JSON.stringify(entries)}`);
      await sleep(50);
    }
  };

  /** Reads every document a clean rebuild of the region's log produces, and those its log could have produced. */
  const cleanRebuild = async (host: RegionHost): Promise<Map<string, unknown>> => {
    const replica = simulation.account.replica(host.region);
    const storage = openMemoryProjectionStorage();
    const projections = host.app.definition.projections;
    const runtime = new ConsumerRuntime({ projections, views: storage.views, checkpoints: storage.checkpoints, region: host.region, maxAttempts: 1, log: replica });
    const follower = new LogFollower({ runtime, log: replica, logger: silentLogger, batchSize: 1000 });
    for (let worked = true; worked; ) {
      worked = false;
      for (const name of runtime.names) worked = (await follower.step(name)) || worked;
    }
    const keys = new Set<string>();
    for (const projection of projections)
      for (const view of projection.views)
        for (const event of replica.allEvents()) for (const key of view.keysOf(event)) keys.add(`${view.name}\n${key}`);
    const documents = new Map<string, unknown>();
    for (const entry of keys) {
      const [view, key] = entry.split('\n') as [string, string];
      const read = await runtime.readView(view, key, { waitMs: 0 });
      documents.set(entry, read.kind === 'found' ? read.document.data : null);
    }
    return documents;
  };

  it(`loses no acknowledged event across ${FORCED_FAILOVERS} forced failovers`, async () => {
    const started = Date.now();
    let running = true;
    const clients = Array.from({ length: WORKERS }, (_, worker) => client(worker, () => running));
    try {
      await chaos();
    } finally {
      running = false;
      await Promise.all(clients);
    }
    await quiesce();

    const logs = new Map<string, EventEnvelope[]>(REGIONS.map((region) => [region, simulation.account.replica(region).allEvents()]));
    const layout = (events: EventEnvelope[]) => events.map((e) => `${e.streamId}#${e.sequence}:${e.id}`);
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
      for (const event of events.filter((e) => e.metadata.reconciledFrom !== undefined))
        expect(event.metadata.reconciledFrom).toMatchObject({ id: event.id });
    }
    expect(layout(logs.get('east')!)).toEqual(layout(logs.get('west')!));

    for (const host of simulation.hosts) {
      const expected = await cleanRebuild(host);
      for (const [entry, data] of expected) {
        const [view, key] = entry.split('\n') as [string, string];
        const response = await fetch(`${host.url}/api/views/${view}/${encodeURIComponent(key)}`);
        const served = response.status === 200 ? ((await response.json()) as { data: unknown }).data : null;
        expect(served, `view ${view}/${key} in ${host.region}`).toEqual(data);
      }
    }

    figures.conflictsReconciled = reports.reduce((sum, r) => sum + r.reappended + r.present + r.compensated, 0);
    const failed = reports.reduce((sum, r) => sum + r.failed, 0);
    process.stdout.write(
      [
        `chaos (seed ${SEED}, ${((Date.now() - started) / 1000).toFixed(1)} s): appends attempted ${figures.attempted}, ` +
          `acknowledged ${figures.acknowledged} (${figures.eventsAcknowledged} events), ` +
          `appends rejected ${Object.values(figures.rejected).reduce((a, b) => a + b, 0)} (${Object.entries(figures.rejected).map(([why, n]) => `${why}: ${n}`).join(', ')}), ` +
          `conflicts reconciled ${figures.conflictsReconciled}, lost ${figures.lost} events`,
        `  forced failovers ${figures.forcedFailovers}, planned failovers ${figures.plannedFailovers}, read-region cuts ${figures.readRegionCuts}, reconciler runs ${reports.length} (failed conflicts ${failed}), events per region ${logs.get('west')!.length}`,
      ].join('\n') + '\n',
    );
    expect(figures.forcedFailovers).toBeGreaterThanOrEqual(5);
    expect(figures.conflictsReconciled).toBeGreaterThanOrEqual(3 * FORCED_FAILOVERS);
    expect(figures.lost).toBe(0);
    expect(simulation.account.conflicts.size).toBe(0);
  }, 120_000);
});
