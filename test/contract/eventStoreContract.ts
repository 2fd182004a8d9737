import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConcurrencyError,
  DuplicateEventIdError,
  EventEnvelope,
  hasGlobalLog,
  newEventId,
  StoreUnavailableError,
  type AppendRequest,
  type EventStore,
  type PreparedEvent,
  type StreamRef,
} from '../../src/core/index.ts';

export interface ContractOptions {
  /** Gaps of a backend the tests run against, each skipped by name with its reason. */
  skip?: Partial<Record<'concurrentAppends' | 'atomicity' | 'globalLog' | 'protoKeys', string>>;
}

let streamCounter = 0;
const freshStream = (): StreamRef => ({ aggregateType: 'Order', aggregateId: `c${process.pid}-${Date.now()}-${++streamCounter}` });

export const event = (type = 'ItemAdded', data: Record<string, unknown> = { sku: 'A-1', qty: 2 }): PreparedEvent => ({
  id: newEventId(),
  type,
  schemaVersion: 1,
  data,
  metadata: { correlationId: 'corr-1' },
});

const request = (stream: StreamRef, expectedVersion: AppendRequest['expectedVersion'], events: PreparedEvent[]): AppendRequest => ({
  stream,
  expectedVersion,
  events,
  region: 'test-region',
});

const itUnless = (reason: string | undefined) => (reason === undefined ? it : it.skip);

/** The behaviour every EventStore adapter must show; run once per adapter. */
export const describeEventStoreContract = (name: string, open: () => Promise<EventStore>, options: ContractOptions = {}): void => {
  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const versionOf = async (stream: StreamRef) => (await store.getStreamInfo(stream))?.version ?? 0;
    const rejection = async (promise: Promise<unknown>): Promise<unknown> => promise.then(() => undefined, (error: unknown) => error);

    it('appends to a new stream at sequences 1..n and reports the new version', async () => {
      const stream = freshStream();
      const events = [event('OrderPlaced'), event(), event()];
      const result = await store.append(request(stream, 'no_stream', events));
      expect(result).toMatchObject({
        streamId: `Order-${stream.aggregateId}`,
        aggregateType: 'Order',
        aggregateId: stream.aggregateId,
        firstSequence: 1,
        lastSequence: 3,
        version: 3,
        eventIds: events.map((e) => e.id),
      });
      expect(Date.parse(result.recordedAt)).not.toBeNaN();
    });

    it('stores events exactly as given, stamped with sequence, time and region', async () => {
      const stream = freshStream();
      const proposed = event('Shipped', { nested: { list: [1, 'two', null], flag: true }, unicode: 'żółw ✓' });
      proposed.metadata = { correlationId: 'c', causationId: 'k', custom: { deep: 1 } };
      proposed.schemaVersion = 3;
      await store.append(request(stream, 'no_stream', [proposed]));
      const slice = await store.readStream(stream, { fromVersion: 1, limit: 10 });
      const [stored] = slice!.events;
      expect(EventEnvelope.parse(stored)).toEqual(stored);
      expect(stored).toMatchObject({
        id: proposed.id,
        streamId: `Order-${stream.aggregateId}`,
        sequence: 1,
        type: 'Shipped',
        schemaVersion: 3,
        data: proposed.data,
        metadata: proposed.metadata,
        region: 'test-region',
      });
    });

    // JSON.parse makes `__proto__` an own key, as a request body would; a literal would set a prototype.
    const hostile = () =>
      JSON.parse('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"x":1}},"prototype":2,"list":[{"__proto__":null}],"hasOwnProperty":"h"}') as Record<string, unknown>;

    itUnless(options.skip?.protoKeys)('keeps data and metadata keys named __proto__, constructor and prototype, in every read', async () => {
      const stream = freshStream();
      const proposed = event('Hostile', hostile());
      proposed.metadata = { ...hostile(), correlationId: 'c' };
      await store.append(request(stream, 'no_stream', [proposed]));
      const expected = { data: JSON.stringify(proposed.data), metadata: JSON.stringify(proposed.metadata) };
      const slice = await store.readStream(stream, { fromVersion: 1, limit: 10 });
      const asOf = await store.readStream(stream, { fromVersion: 1, limit: 10, asOf: new Date(Date.now() + 60_000).toISOString() });
      const byId = await store.readEventsById(stream, [proposed.id]);
      const global = hasGlobalLog(store) ? (await store.readAll(0, 1_000_000)).filter((e) => e.id === proposed.id) : [];
      for (const [read, events] of Object.entries({ readStream: slice!.events, asOf: asOf!.events, readEventsById: byId, readAll: global })) {
        for (const stored of events) {
          expect({ data: JSON.stringify(stored.data), metadata: JSON.stringify(stored.metadata) }, read).toEqual(expected);
          expect(Object.getPrototypeOf(stored.data), read).toBe(Object.prototype);
          expect(Object.hasOwn(stored.data, '__proto__'), read).toBe(true);
        }
      }
      expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
    });

    it('appends are rejected when the expected version is stale, with the current version', async () => {
      const stream = freshStream();
      await store.append(request(stream, 'no_stream', [event(), event()]));
      const error = await rejection(store.append(request(stream, 1, [event()])));
      expect(error).toBeInstanceOf(ConcurrencyError);
      expect(error).toMatchObject({ expectedVersion: 1, currentVersion: 2 });
      expect(await versionOf(stream)).toBe(2);
    });

    it('appends are rejected when the expected version is ahead of the stream, leaving no gap', async () => {
      const stream = freshStream();
      await store.append(request(stream, 'no_stream', [event()]));
      const error = await rejection(store.append(request(stream, 5, [event()])));
      expect(error).toMatchObject({ expectedVersion: 5, currentVersion: 1 });
      expect(await versionOf(stream)).toBe(1);
    });

    it('no_stream fails on an existing stream and exists fails on a missing one', async () => {
      const stream = freshStream();
      expect(await rejection(store.append(request(stream, 'exists', [event()])))).toMatchObject({ currentVersion: 0 });
      await store.append(request(stream, 'no_stream', [event()]));
      expect(await rejection(store.append(request(stream, 'no_stream', [event()])))).toMatchObject({ currentVersion: 1 });
      const appended = await store.append(request(stream, 'exists', [event()]));
      expect(appended.firstSequence).toBe(2);
    });

    it('any appends at the end of the stream whatever its version', async () => {
      const stream = freshStream();
      await store.append(request(stream, 'any', [event()]));
      const second = await store.append(request(stream, 'any', [event(), event()]));
      expect(second).toMatchObject({ firstSequence: 2, lastSequence: 3, version: 3 });
    });

    itUnless(options.skip?.atomicity)('an append with a failing event writes none of its events', async () => {
      const stream = freshStream();
      const first = event();
      await store.append(request(stream, 'no_stream', [first]));
      const reused = { ...event(), id: first.id };
      const error = await rejection(store.append(request(stream, 1, [event(), event(), reused])));
      expect(error instanceof DuplicateEventIdError || error instanceof ConcurrencyError).toBe(true);
      expect(await versionOf(stream)).toBe(1);
      const slice = await store.readStream(stream, { fromVersion: 1, limit: 10 });
      expect(slice!.events.map((e) => e.id)).toEqual([first.id]);
    });

    it('an event id already in the stream is refused and nothing is written', async () => {
      const stream = freshStream();
      const first = event();
      await store.append(request(stream, 'no_stream', [first]));
      const error = await rejection(store.append(request(stream, 'any', [{ ...event(), id: first.id }])));
      expect(error instanceof DuplicateEventIdError || error instanceof ConcurrencyError).toBe(true);
      expect(await versionOf(stream)).toBe(1);
    });

    it('the same event id may be used in two different streams', async () => {
      const shared = event();
      await store.append(request(freshStream(), 'no_stream', [shared]));
      await expect(store.append(request(freshStream(), 'no_stream', [{ ...shared }]))).resolves.toMatchObject({ version: 1 });
    });

    itUnless(options.skip?.concurrentAppends)('concurrent appends at one expected version: exactly one wins', async () => {
      const stream = freshStream();
      await store.append(request(stream, 'no_stream', [event()]));
      const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => store.append(request(stream, 1, [event()]))));
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost.every((o) => o.reason instanceof ConcurrencyError && o.reason.currentVersion === 2)).toBe(true);
      expect(await versionOf(stream)).toBe(2);
    });

    it('reads a missing stream as undefined', async () => {
      expect(await store.readStream(freshStream(), { fromVersion: 1, limit: 10 })).toBeUndefined();
      expect(await store.getStreamInfo(freshStream())).toBeUndefined();
    });

    it('reads a range of a stream in sequence order, bounded by limit and toVersion', async () => {
      const stream = freshStream();
      await store.append(request(stream, 'no_stream', Array.from({ length: 10 }, (_, i) => event('Counted', { i }))));
      const page = await store.readStream(stream, { fromVersion: 3, limit: 4 });
      expect(page!.version).toBe(10);
      expect(page!.events.map((e) => e.sequence)).toEqual([3, 4, 5, 6]);
      expect(page!.events.map((e) => e.data.i)).toEqual([2, 3, 4, 5]);
      const bounded = await store.readStream(stream, { fromVersion: 8, toVersion: 9, limit: 100 });
      expect(bounded!.events.map((e) => e.sequence)).toEqual([8, 9]);
      const beyond = await store.readStream(stream, { fromVersion: 11, limit: 100 });
      expect(beyond).toEqual({ version: 10, events: [] });
    });

    it('reads a stream as it was at a point in time', async () => {
      const stream = freshStream();
      await store.append(request(stream, 'no_stream', [event(), event()]));
      const between = new Date(Date.now() + 1).toISOString();
      await new Promise((resolve) => setTimeout(resolve, 15));
      await store.append(request(stream, 2, [event()]));
      const past = await store.readStream(stream, { fromVersion: 1, limit: 100, asOf: between });
      expect(past!.version).toBe(2);
      expect(past!.events.map((e) => e.sequence)).toEqual([1, 2]);
      expect(await store.readStream(stream, { fromVersion: 1, limit: 100, asOf: '2000-01-01T00:00:00.000Z' })).toBeUndefined();
    });

    it('finds events of a stream by id', async () => {
      const stream = freshStream();
      const events = [event(), event(), event()];
      await store.append(request(stream, 'no_stream', events));
      const found = await store.readEventsById(stream, [events[2]!.id, events[0]!.id, newEventId()]);
      expect(found.map((e) => e.id).sort()).toEqual([events[0]!.id, events[2]!.id].sort());
      expect(await store.readEventsById(freshStream(), [events[0]!.id])).toEqual([]);
    });

    it('describes a stream: version, first and last write times', async () => {
      const stream = freshStream();
      const first = await store.append(request(stream, 'no_stream', [event()]));
      await new Promise((resolve) => setTimeout(resolve, 5));
      const second = await store.append(request(stream, 1, [event()]));
      expect(await store.getStreamInfo(stream)).toEqual({
        streamId: `Order-${stream.aggregateId}`,
        aggregateType: 'Order',
        aggregateId: stream.aggregateId,
        version: 2,
        createdAt: first.recordedAt,
        updatedAt: second.recordedAt,
      });
    });

    it('keeps streams independent of each other', async () => {
      const a = freshStream();
      const b = freshStream();
      await store.append(request(a, 'no_stream', [event(), event()]));
      await store.append(request(b, 'no_stream', [event()]));
      expect(await versionOf(a)).toBe(2);
      expect(await versionOf(b)).toBe(1);
    });

    it('answers ping while open', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    itUnless(options.skip?.globalLog)('orders all events by a global position, in commit order', async () => {
      if (!hasGlobalLog(store)) return expect.fail(`${name} offers no global log`);
      const head = await store.headPosition();
      const a = freshStream();
      const b = freshStream();
      await store.append(request(a, 'no_stream', [event(), event()]));
      await store.append(request(b, 'no_stream', [event()]));
      await store.append(request(a, 2, [event()]));
      const all = await store.readAll(head, 100);
      expect(all.map((e) => [e.streamId.endsWith(a.aggregateId) ? 'a' : 'b', e.sequence])).toEqual([
        ['a', 1],
        ['a', 2],
        ['b', 1],
        ['a', 3],
      ]);
      expect(all.every((e, i) => i === 0 || e.position > all[i - 1]!.position)).toBe(true);
      expect(await store.headPosition()).toBe(all[all.length - 1]!.position);
      expect(await store.readAll(all[1]!.position, 1)).toHaveLength(1);
    });
  });

  describe(`EventStore contract: ${name} when closed`, () => {
    it('reports the store as unavailable after close', async () => {
      const store = await open();
      await store.close();
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    });
  });
};
