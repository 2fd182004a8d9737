import { rmSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appendEvents, EventLogError, type EventEnvelope } from '../../src/core/index.ts';
import { RegionalAccount, type WriteMode } from '../../src/simulation/account.ts';
import { reconcileConflicts } from '../../src/reconciliation/reconciler.ts';
import { tempDir } from '../support/http.ts';

// Whatever the interleaving of writes, cuts, heals, failovers and reconciler runs, once every region is
// healed and the reconciler has emptied the feed, all replicas hold the same streams, without gaps,
// and every acknowledged event exactly once.

type Op =
  /** With a key, the same request may be sent to two regions: the same event ids in two places. */
  | { kind: 'append'; region: number; stream: number; events: number; key: number | null }
  | { kind: 'cut' | 'heal'; region: number }
  | { kind: 'replicate' }
  | { kind: 'reconcile'; region: number }
  | { kind: 'failover'; to: number; force: boolean };

const opsFor = (regions: number): fc.Arbitrary<Op> => {
  const region = fc.integer({ min: 0, max: regions - 1 });
  return fc.oneof(
    { weight: 6, arbitrary: fc.record({
      kind: fc.constant('append' as const),
      region,
      stream: fc.integer({ min: 0, max: 3 }),
      events: fc.integer({ min: 1, max: 2 }),
      key: fc.option(fc.integer({ min: 0, max: 2 })),
    }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('cut' as const, 'heal' as const), region }) },
    { weight: 2, arbitrary: fc.constant({ kind: 'replicate' as const }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('reconcile' as const), region }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('failover' as const), to: region, force: fc.boolean() }) },
  );
};

const checkConverged = (account: RegionalAccount, acknowledged: Set<string>): void => {
  const snapshots = account.regions.map((name) => account.replica(name).allEvents());
  const layout = (events: EventEnvelope[]) => events.map((e) => `${e.streamId}#${e.sequence}:${e.id}`);
  for (const other of snapshots.slice(1)) expect(layout(other)).toEqual(layout(snapshots[0]!));
  for (const events of snapshots) {
    const byStream = new Map<string, number[]>();
    for (const e of events) byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e.sequence]);
    for (const sequences of byStream.values()) expect(sequences).toEqual(sequences.map((_, i) => i + 1));
    const count = new Map<string, number>();
    for (const e of events) count.set(e.id, (count.get(e.id) ?? 0) + 1);
    for (const id of acknowledged) expect(count.get(id), `event ${id}`).toBe(1);
  }
};

const run = async (mode: WriteMode, REGIONS: readonly string[], ops: Op[]): Promise<void> => {
  const dir = tempDir('eventlog-converge-');
  const account = new RegionalAccount({ regions: REGIONS, dataDir: dir, mode });
  const acknowledged = new Set<string>();
  try {
    for (const step of ops) {
      try {
        switch (step.kind) {
          case 'append': {
            const result = await appendEvents(account.endpoint(REGIONS[step.region]!), {
              stream: { aggregateType: 'Item', aggregateId: `s${step.stream}` },
              expectedVersion: 'any',
              events: Array.from({ length: step.events }, (_, i) => ({ type: 'Changed', data: { i, key: step.key } })),
              ...(step.key === null ? {} : { idempotencyKey: `k${step.key}` }),
              region: REGIONS[step.region]!,
            });
            result.eventIds.forEach((id) => acknowledged.add(id));
            break;
          }
          case 'cut':
            account.cut(REGIONS[step.region]!);
            break;
          case 'heal':
            account.heal(REGIONS[step.region]!);
            break;
          case 'replicate':
            account.replicateOnce();
            break;
          case 'reconcile':
            await reconcileConflicts({ feed: account.conflicts, store: account.endpoint(REGIONS[step.region]!), region: REGIONS[step.region]! });
            break;
          case 'failover':
            await account.failover(REGIONS[step.to]!, { force: step.force });
            break;
        }
      } catch (error) {
        // Refusals (cut off, offline, planned failover during a partition) are part of the game.
        if (!(error instanceof EventLogError)) throw error;
      }
    }
    for (const name of REGIONS) account.heal(name);
    for (let round = 0; round < 5; round++) {
      await account.settle();
      const report = await reconcileConflicts({ feed: account.conflicts, store: account.endpoint(REGIONS[1]!), region: REGIONS[1]! });
      expect(report.failed).toBe(0);
      if (account.conflicts.size === 0) break;
    }
    await account.settle();
    expect(account.conflicts.size).toBe(0);
    checkConverged(account, acknowledged);
  } finally {
    await account.close();
    rmSync(dir, { recursive: true, force: true });
  }
};

describe('replicas converge', () => {
  for (const regions of [['west', 'east'], ['west', 'east', 'north']])
    for (const mode of ['single-write', 'multi-write'] as const)
      it(`in ${mode} mode over ${regions.length} regions, with every acknowledged event exactly once, whatever the interleaving`, async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(opsFor(regions.length), { minLength: 5, maxLength: 40 }), (ops) => run(mode, regions, ops)),
          { numRuns: 40, seed: 7 },
        );
      }, 60_000);
});
