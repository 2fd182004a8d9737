import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { appendEvents, StoreUnavailableError, type EventEnvelope } from '../../src/core/index.ts';
import { RegionalAccount, type RegionalAccountOptions } from '../../src/simulation/account.ts';
import { parseConflict } from '../../src/reconciliation/conflictFeed.ts';
import { reconcileConflicts } from '../../src/reconciliation/reconciler.ts';
import { tempDir } from '../support/http.ts';

const opened: Array<{ account: RegionalAccount; dir: string }> = [];
afterEach(async () => {
  for (const { account, dir } of opened.splice(0)) {
    await account.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

const openAccount = (options: Partial<RegionalAccountOptions> = {}): RegionalAccount => {
  const dir = tempDir('eventlog-regions-');
  const account = new RegionalAccount({ regions: ['west', 'east'], dataDir: dir, ...options });
  opened.push({ account, dir });
  return account;
};

const stream = (aggregateId: string) => ({ aggregateType: 'Order', aggregateId });

const append = (account: RegionalAccount, region: string, aggregateId: string, type = 'Placed', data: Record<string, unknown> = {}) =>
  appendEvents(account.endpoint(region), { stream: stream(aggregateId), expectedVersion: 'any', events: [{ type, data }], region });

const idsOf = (events: EventEnvelope[]): string[] => events.map((e) => `${e.streamId}#${e.sequence}:${e.id}`);

describe('single write region', () => {
  it('routes writes from a read region to the write region and serves reads from the local replica', async () => {
    const account = openAccount();
    const result = await append(account, 'east', 'o-1');
    const [stored] = await account.replica('west').readEventsById(stream('o-1'), result.eventIds);
    expect(stored?.region).toBe('west');
    expect(await account.endpoint('east').readStream(stream('o-1'), { fromVersion: 1, limit: 10 })).toBeUndefined();
    await account.settle();
    expect((await account.endpoint('east').readStream(stream('o-1'), { fromVersion: 1, limit: 10 }))?.version).toBe(1);
  });

  it('rejects writes from a region cut off from the write region, and catches it up when healed', async () => {
    const account = openAccount();
    account.cut('east');
    await expect(append(account, 'east', 'o-1')).rejects.toBeInstanceOf(StoreUnavailableError);
    await append(account, 'west', 'o-1');
    account.replicateOnce();
    expect(account.replica('east').allEvents()).toHaveLength(0);
    account.heal('east');
    await account.settle();
    expect(idsOf(account.replica('east').allEvents())).toEqual(idsOf(account.replica('west').allEvents()));
  });

  it('refuses a planned failover while a region is cut off', async () => {
    const account = openAccount();
    account.cut('east');
    await expect(account.failover('east')).rejects.toThrow(/every region connected/);
    expect(account.writeRegion).toBe('west');
  });

  it('moves the write region after replication drained in a planned failover, losing nothing', async () => {
    const account = openAccount({ replicationLagMs: 50 });
    for (let i = 0; i < 5; i++) await append(account, 'west', `o-${i}`);
    await account.failover('east');
    expect(account.writeRegion).toBe('east');
    expect(idsOf(account.replica('east').allEvents())).toEqual(idsOf(account.replica('west').allEvents()));
    const after = await append(account, 'west', 'o-0');
    expect(after.firstSequence).toBe(2);
    const [stored] = await account.replica('east').readEventsById(stream('o-0'), after.eventIds);
    expect(stored?.region).toBe('east');
  });

  it('surfaces writes the old write region acknowledged but never replicated as conflicts, and the reconciler appends them again', async () => {
    const account = openAccount();
    await append(account, 'west', 'o-1', 'Placed');
    await account.settle();
    account.cut('west');
    const unreplicated = await append(account, 'west', 'o-1', 'Paid', { amount: 10 });
    await account.failover('east', { force: true });
    // The new write region never got it, and takes the same position for another write.
    expect(await account.replica('east').readEventsById(stream('o-1'), unreplicated.eventIds)).toEqual([]);
    const competing = await append(account, 'east', 'o-1', 'Cancelled');
    expect(competing.firstSequence).toBe(2);
    await expect(append(account, 'west', 'o-2')).rejects.toThrow(/offline after a forced failover/);

    account.heal('west');
    const conflicts = account.conflicts.list();
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toMatchObject({ resourceType: 'document', operationType: 'create' });
    expect(typeof conflicts[0]!.content).toBe('string');
    const parsed = parseConflict(conflicts[0]);
    expect(parsed.kind === 'event' && parsed.conflict.loser.id).toBe(unreplicated.eventIds[0]);

    const report = await reconcileConflicts({ feed: account.conflicts, store: account.endpoint('west'), region: 'west' });
    expect(report).toMatchObject({ examined: 1, reappended: 1, failed: 0 });
    await account.settle();
    for (const region of ['west', 'east']) {
      const events = account.replica(region).allEvents().filter((e) => e.streamId === 'Order-o-1');
      expect(events.map((e) => e.type)).toEqual(['Placed', 'Cancelled', 'Paid']);
      expect(events[2]).toMatchObject({ id: unreplicated.eventIds[0], data: { amount: 10 }, metadata: { reconciledFrom: { id: unreplicated.eventIds[0], region: 'west', sequence: 2 } } });
    }
    expect(account.conflicts.size).toBe(0);
    const again = await reconcileConflicts({ feed: account.conflicts, store: account.endpoint('east'), region: 'east' });
    expect(again.examined).toBe(0);
  });
});

describe('multi-write', () => {
  it('lets the first writer of a stream position keep it in every region and surfaces the other branch as conflicts', async () => {
    const account = openAccount({ mode: 'multi-write' });
    await append(account, 'west', 'o-1', 'Placed');
    await account.settle();
    account.cut('east');
    const first = await append(account, 'west', 'o-1', 'Paid');
    const second = await append(account, 'east', 'o-1', 'Cancelled');
    const third = await append(account, 'east', 'o-1', 'Refunded');
    account.heal('east');
    await account.settle();
    const west = idsOf(account.replica('west').allEvents());
    expect(idsOf(account.replica('east').allEvents())).toEqual(west);
    expect(account.replica('west').allEvents().map((e) => e.type)).toEqual(['Placed', 'Paid']);
    const losers = account.conflicts.list().map((c) => JSON.parse(c.content as string).id);
    expect(losers.sort()).toEqual([...second.eventIds, ...third.eventIds].sort());
    expect(first.eventIds).toHaveLength(1);

    const report = await reconcileConflicts({ feed: account.conflicts, store: account.endpoint('east'), region: 'east' });
    expect(report).toMatchObject({ examined: 2, reappended: 2 });
    await account.settle();
    expect(idsOf(account.replica('east').allEvents())).toEqual(idsOf(account.replica('west').allEvents()));
    expect(account.replica('west').allEvents().map((e) => e.type)).toEqual(['Placed', 'Paid', 'Cancelled', 'Refunded']);
  });
});
