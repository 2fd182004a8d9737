import { describe, expect, it } from 'vitest';
import {
  appendEvents,
  newEventId,
  StoreUnavailableError,
  type EventEnvelope,
  type EventStore,
  type StreamRef,
} from '../../src/core/index.ts';
import { parseConflict, type ConflictFeed } from '../../src/reconciliation/conflictFeed.ts';
import { SimulatedConflictFeed } from '../../src/simulation/conflictFeed.ts';
import { cosmosConflictFeed, type ConflictsContainer } from '../../src/reconciliation/cosmosConflictFeed.ts';
import { emailAddressPolicy } from '../../src/domain/reconciliation.ts';
import { ReconciliationPolicies, REJECTED_EVENT_TYPE, rejectInStream } from '../../src/reconciliation/policies.ts';
import { reconcileConflicts } from '../../src/reconciliation/reconciler.ts';
import { MemoryEventStore } from '../../src/stores/memory/memoryEventStore.ts';

const order = (id: string): StreamRef => ({ aggregateType: 'Order', aggregateId: id });

/** An event as another region recorded it before it lost its place. */
const lostEvent = (stream: StreamRef, sequence: number, type = 'Paid', data: Record<string, unknown> = { amount: 5 }): EventEnvelope => ({
  id: newEventId(),
  streamId: `${stream.aggregateType}-${stream.aggregateId}`,
  aggregateType: stream.aggregateType,
  aggregateId: stream.aggregateId,
  sequence,
  type,
  schemaVersion: 1,
  data,
  metadata: { correlationId: 'c-1' },
  recordedAt: '2026-01-01T00:00:00.000Z',
  region: 'west',
});

const seed = async (store: EventStore, stream: StreamRef, ...types: string[]) => {
  for (const type of types) await appendEvents(store, { stream, expectedVersion: 'any', events: [{ type, data: {} }], region: 'east' });
};

const everything = async (store: MemoryEventStore) => store.readAll(0, 10_000);

describe('the reconciler', () => {
  it('appends a lost event again at the end of its stream, under its id, with where it came from', async () => {
    const store = new MemoryEventStore();
    const feed = new SimulatedConflictFeed();
    await seed(store, order('o-1'), 'Placed', 'Cancelled');
    const lost = lostEvent(order('o-1'), 2);
    feed.record(lost);

    const report = await reconcileConflicts({ feed, store, region: 'east' });

    expect(report).toMatchObject({ examined: 1, reappended: 1, failed: 0 });
    expect(report.outcomes[0]).toMatchObject({ outcome: 'reappended', eventId: lost.id, from: 2, to: 3 });
    const [stored] = await store.readEventsById(order('o-1'), [lost.id]);
    expect(stored).toMatchObject({
      sequence: 3,
      type: 'Paid',
      data: { amount: 5 },
      region: 'east',
      metadata: { correlationId: 'c-1', reconciledFrom: { id: lost.id, region: 'west', sequence: 2, recordedAt: lost.recordedAt } },
    });
    expect(feed.size).toBe(0);
  });

  it('changes nothing when run twice', async () => {
    const store = new MemoryEventStore();
    const feed = new SimulatedConflictFeed();
    await seed(store, order('o-1'), 'Placed');
    feed.record(lostEvent(order('o-1'), 1, 'Placed'));
    feed.record(lostEvent(order('o-1'), 2, 'Paid'));
    await reconcileConflicts({ feed, store, region: 'east' });
    const after = await everything(store);

    const again = await reconcileConflicts({ feed, store, region: 'east' });

    expect(again.examined).toBe(0);
    expect(await everything(store)).toEqual(after);
  });

  it('appends events lost together in their original order', async () => {
    const store = new MemoryEventStore();
    const feed = new SimulatedConflictFeed();
    await seed(store, order('o-1'), 'Placed', 'Cancelled');
    const third = lostEvent(order('o-1'), 3, 'Refunded');
    const second = lostEvent(order('o-1'), 2, 'Paid');
    feed.record(third);
    feed.record(second);
    await reconcileConflicts({ feed, store, region: 'east' });
    expect((await everything(store)).map((e) => e.type)).toEqual(['Placed', 'Cancelled', 'Paid', 'Refunded']);
  });

  it('does not append an event twice when a run crashed after appending it and before deleting its conflict', async () => {
    const store = new MemoryEventStore();
    const simulated = new SimulatedConflictFeed();
    let failDeletes = 1;
    const feed: ConflictFeed = {
      kind: 'flaky',
      read: () => simulated.read(),
      delete: async (id, partitionKey) => {
        if (failDeletes-- > 0) throw new Error('process died');
        await simulated.delete(id);
        void partitionKey;
      },
    };
    await seed(store, order('o-1'), 'Placed');
    simulated.record(lostEvent(order('o-1'), 2));

    const first = await reconcileConflicts({ feed, store, region: 'east' });
    const second = await reconcileConflicts({ feed, store, region: 'east' });

    expect(first).toMatchObject({ failed: 1, reappended: 0 });
    expect(second).toMatchObject({ present: 1, reappended: 0, failed: 0 });
    expect((await everything(store)).map((e) => e.type)).toEqual(['Placed', 'Paid']);
    expect(simulated.size).toBe(0);
  });

  it('recognises an event already back in its stream (a client retried it) and only clears the conflict', async () => {
    const store = new MemoryEventStore();
    const feed = new SimulatedConflictFeed();
    const lost = lostEvent(order('o-1'), 1, 'Placed', {});
    await appendEvents(store, { stream: order('o-1'), expectedVersion: 'any', events: [{ id: lost.id, type: 'Placed', data: {} }], region: 'east' });
    feed.record(lost);

    const report = await reconcileConflicts({ feed, store, region: 'east' });

    expect(report).toMatchObject({ present: 1, reappended: 0 });
    expect(await everything(store)).toHaveLength(1);
  });

  it('leaves a conflict whose event id names another event in the log, and says so', async () => {
    const store = new MemoryEventStore();
    const feed = new SimulatedConflictFeed();
    const lost = lostEvent(order('o-1'), 1, 'Placed', {});
    await appendEvents(store, { stream: order('o-1'), expectedVersion: 'any', events: [{ id: lost.id, type: 'Other', data: {} }], region: 'east' });
    feed.record(lost);

    const report = await reconcileConflicts({ feed, store, region: 'east' });

    expect(report.failed).toBe(1);
    expect(report.outcomes[0]).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/names another event at sequence 1: decide by hand/) });
    expect(feed.size).toBe(1);
  });

  it('stops the run when the log cannot be written, leaving every conflict for the next run', async () => {
    const store = new MemoryEventStore();
    const feed = new SimulatedConflictFeed();
    feed.record(lostEvent(order('o-1'), 1));
    feed.record(lostEvent(order('o-2'), 1));
    const unreachable: EventStore = Object.assign(Object.create(store) as EventStore, {
      readEventsById: async () => {
        throw new StoreUnavailableError('write region east is unreachable from west');
      },
    });

    const report = await reconcileConflicts({ feed, store: unreachable, region: 'west' });

    expect(report).toMatchObject({ examined: 1, failed: 1, interrupted: 'write region east is unreachable from west' });
    expect(feed.size).toBe(2);
  });

  it('drops lost stream heads (the new timeline has its own), and leaves other conflicts that are not events in the feed, reported', async () => {
    const store = new MemoryEventStore();
    const deleted: Array<[string, string]> = [];
    const feed: ConflictFeed = {
      kind: 'fixed',
      read: async function* () {
        yield { id: 'c-head', operationType: 'replace', content: JSON.stringify({ id: '$head', kind: 'streamHead', streamId: 'Order-o-1' }) };
        yield { id: 'c-other', operationType: 'create', content: JSON.stringify({ id: 'x', kind: 'somethingElse', streamId: 'Order-o-1' }) };
        yield { id: 'c-bad', content: '{not json' };
      },
      delete: async (id, partitionKey) => void deleted.push([id, partitionKey]),
    };
    const report = await reconcileConflicts({ feed, store, region: 'east' });
    expect(report).toMatchObject({ examined: 0, skipped: 2, discarded: 1 });
    expect(deleted).toEqual([['c-head', 'Order-o-1']]);
    expect(report.outcomes.map((o) => (o.outcome === 'skipped' || o.outcome === 'discarded') && o.reason)).toEqual([
      'a somethingElse document, not an event',
      expect.stringMatching(/^content is not JSON/),
      expect.stringContaining('a lost head of Order-o-1'),
    ]);
  });
});

describe('reconciliation policies', () => {
  it('append compensating events instead, keyed so a second run replays them, when the aggregate cannot take the event again', async () => {
    const store = new MemoryEventStore();
    const feed = new SimulatedConflictFeed();
    await seed(store, order('o-1'), 'Placed', 'Shipped');
    const lost = lostEvent(order('o-1'), 2, 'Cancelled', {});
    feed.record(lost);
    const policies = new ReconciliationPolicies().register('Order', { resolve: ({ loser }) => rejectInStream(loser, 'shipped orders cannot be cancelled') });
    let failDeletes = 1;
    const flaky: ConflictFeed = {
      kind: 'flaky',
      read: () => feed.read(),
      delete: async (id) => {
        if (failDeletes-- > 0) throw new Error('process died');
        await feed.delete(id);
      },
    };

    await reconcileConflicts({ feed: flaky, store, region: 'east', policies });
    const report = await reconcileConflicts({ feed: flaky, store, region: 'east', policies });

    expect(report.outcomes[0]).toMatchObject({ outcome: 'compensated', reason: 'shipped orders cannot be cancelled', appended: [{ streamId: 'Order-o-1' }] });
    const events = await everything(store);
    expect(events.map((e) => e.type)).toEqual(['Placed', 'Shipped', REJECTED_EVENT_TYPE]);
    expect(events[2]).toMatchObject({
      data: { reason: 'shipped orders cannot be cancelled', event: { id: lost.id, type: 'Cancelled', region: 'west', sequence: 2 } },
      metadata: { compensates: { id: lost.id, region: 'west', sequence: 2 } },
    });
    expect(feed.size).toBe(0);
  });

  it('refuse a second policy for one aggregate type', () => {
    const policies = new ReconciliationPolicies().register('Order', emailAddressPolicy);
    expect(() => policies.register('Order', emailAddressPolicy)).toThrow(/already registered/);
  });

  describe('for email addresses', () => {
    const address = { aggregateType: 'EmailAddress', aggregateId: 'a1b2' };
    const reserved = (userId: string) => ({ type: 'EmailReserved', data: { email: 'ada@example.org', userId, reservedAt: '2026-01-01T00:00:00.000Z' } });
    const resolve = async (store: EventStore, loser: EventEnvelope) =>
      emailAddressPolicy.resolve({
        loser,
        readStream: async (stream) => (await store.readStream(stream, { fromVersion: 1, limit: 1000 }))?.events ?? [],
      });

    it('reject another user\'s lost reservation of an address someone holds: two users must not hold it', async () => {
      const store = new MemoryEventStore();
      await appendEvents(store, { stream: address, expectedVersion: 'no_stream', events: [reserved('u-1')], region: 'east' });
      const loser = lostEvent(address, 1, 'EmailReserved', reserved('u-2').data);
      expect(await resolve(store, loser)).toMatchObject({ action: 'compensate', reason: expect.stringMatching(/held by user u-1; EmailReserved of user u-2/) });
    });

    it('append the holder\'s own lost step, or a reservation of a free address, again', async () => {
      const store = new MemoryEventStore();
      expect(await resolve(store, lostEvent(address, 1, 'EmailReserved', reserved('u-2').data))).toEqual({ action: 'reappend' });
      await appendEvents(store, { stream: address, expectedVersion: 'no_stream', events: [reserved('u-1')], region: 'east' });
      const confirmation = lostEvent(address, 2, 'EmailReservationConfirmed', { userId: 'u-1', reservedAt: '2026-01-01T00:00:00.000Z' });
      expect(await resolve(store, confirmation)).toEqual({ action: 'reappend' });
    });
  });
});

describe('conflict feeds', () => {
  it('read the losing event from a conflict resource, its content a JSON string or an object, without system properties', () => {
    const event = lostEvent(order('o-1'), 4);
    const withSystem = { ...event, _rid: 'abc', _self: 'dbs/x', _etag: '"1"', _ts: 1, _lsn: 9 };
    for (const content of [JSON.stringify(withSystem), withSystem]) {
      const parsed = parseConflict({ id: 'c-1', resourceType: 'document', operationType: 'create', content, conflict_lsn: 3 });
      expect(parsed).toEqual({ kind: 'event', conflict: { id: 'c-1', partitionKey: 'Order-o-1', operationType: 'create', loser: event } });
    }
    expect(parseConflict({ content: '{}' })).toMatchObject({ kind: 'unreadable', reason: expect.stringMatching(/^not a conflict resource: id/) });
    expect(parseConflict({ id: 'c-2', content: JSON.stringify({ id: 'x' }) })).toMatchObject({ kind: 'unreadable', reason: expect.stringMatching(/^content is not an event/) });
  });

  it('page through container.conflicts and delete a resolved conflict in its partition, a missing one being no error', async () => {
    const pages = [[{ id: 'c-1' }, { id: 'c-2' }], [{ id: 'c-3' }]];
    const deleted: Array<[string, unknown]> = [];
    const container = {
      conflicts: {
        readAll: () => ({
          getAsyncIterator: async function* () {
            for (const resources of pages) yield { resources };
          },
        }),
      },
      conflict: (id: string, partitionKey: unknown) => ({
        delete: async () => {
          if (id === 'gone') throw Object.assign(new Error('NotFound'), { code: 404 });
          if (id === 'busy') throw Object.assign(new Error('Request rate is large'), { code: 429 });
          deleted.push([id, partitionKey]);
        },
      }),
    } as unknown as ConflictsContainer;
    const feed = cosmosConflictFeed(container);

    const read: unknown[] = [];
    for await (const conflict of feed.read()) read.push(conflict);

    expect(read).toEqual([{ id: 'c-1' }, { id: 'c-2' }, { id: 'c-3' }]);
    await feed.delete('c-1', 'Order-o-1');
    await feed.delete('gone', 'Order-o-1');
    await expect(feed.delete('busy', 'Order-o-1')).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(deleted).toEqual([['c-1', 'Order-o-1']]);
  });
});
