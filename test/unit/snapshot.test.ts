import { describe, expect, it } from 'vitest';
import {
  handleCommand,
  loadAggregate,
  Snapshots,
  streamIdOf,
  type Decider,
  type DomainEvent,
  type EventEnvelope,
  type EventStore,
  type ReadStreamOptions,
  type Snapshot,
  type SnapshotStore,
  type StreamRef,
  type StreamSlice,
} from '../../src/core/index.ts';
import { MemoryEventStore } from '../../src/stores/memory/memoryEventStore.ts';
import { MemorySnapshotStore } from '../../src/stores/memory/memorySnapshotStore.ts';

type Added = DomainEvent<'Added', { by: number }>;
type Add = { by: number };
interface Tally {
  total: number;
  count: number;
}

const tally = (every: number, schemaVersion = 1): Decider<Add, Added, Tally> => ({
  initialState: () => ({ total: 0, count: 0 }),
  evolve: (state, event) => ({ total: state.total + event.data.by, count: state.count + 1 }),
  decide: (command) => (command.by === 0 ? [] : [{ type: 'Added', data: { by: command.by } }]),
  snapshot: { schemaVersion, every },
});

const stream: StreamRef = { aggregateType: 'Tally', aggregateId: 't1' };
const streamId = streamIdOf(stream);
const region = 'test';

/** An event store holding one long stream that it generates as it is read, counting what it serves. */
class LongStream implements Pick<EventStore, 'readStream'> {
  readCalls = 0;
  eventsServed = 0;
  readonly length: number;
  constructor(length: number) {
    this.length = length;
  }
  async readStream(_stream: StreamRef, options: ReadStreamOptions): Promise<StreamSlice | undefined> {
    this.readCalls++;
    if (this.length === 0) return undefined;
    const last = Math.min(this.length, options.toVersion ?? Infinity, options.fromVersion + options.limit - 1);
    const events: EventEnvelope[] = [];
    for (let sequence = options.fromVersion; sequence <= last; sequence++)
      events.push({
        id: `id-${sequence}`,
        streamId,
        aggregateType: stream.aggregateType,
        aggregateId: stream.aggregateId,
        sequence,
        type: 'Added',
        schemaVersion: 1,
        data: { by: 1 },
        metadata: {},
        recordedAt: '2026-01-01T00:00:00.000Z',
        region,
      });
    this.eventsServed += events.length;
    return { version: this.length, events };
  }
}

const asStore = (long: LongStream): EventStore => long as unknown as EventStore;

describe('snapshots', () => {
  it('a command writes a snapshot in the background once every N events', async () => {
    const store = new MemoryEventStore();
    const snapshotStore = new MemorySnapshotStore();
    const snapshots = new Snapshots(snapshotStore);
    for (let i = 0; i < 7; i++) await handleCommand(store, tally(3), stream, { by: 1 }, { region, snapshots });
    await snapshots.idle();
    expect(await snapshotStore.read(streamId, 'state')).toMatchObject({ version: 6, schemaVersion: 1, state: { total: 6, count: 6 } });
  });

  it('loading starts from the snapshot and reads only the events after it', async () => {
    const store = new MemoryEventStore();
    const snapshots = new Snapshots(new MemorySnapshotStore());
    for (let i = 0; i < 5; i++) await handleCommand(store, tally(5), stream, { by: 2 }, { region, snapshots });
    await snapshots.idle();
    await handleCommand(store, tally(5), stream, { by: 2 }, { region, snapshots });

    let evolved = 0;
    const counting = { ...tally(5), evolve: (s: Tally, e: Added) => (evolved++, tally(5).evolve(s, e)) };
    const loaded = await loadAggregate(store, counting, stream, { snapshots });
    expect(loaded).toEqual({ state: { total: 12, count: 6 }, version: 6, fromSnapshot: 5 });
    expect(evolved).toBe(1);
  });

  it('loading an aggregate of 100,000 events with a snapshot reads as much as one of 10 events without', async () => {
    const short = new LongStream(10);
    const plain = await loadAggregate(asStore(short), { ...tally(1000), snapshot: undefined }, stream);
    expect(plain).toMatchObject({ state: { count: 10 }, version: 10 });

    const long = new LongStream(100_000);
    const snapshotStore = new MemorySnapshotStore();
    let snapshotReads = 0;
    const counted: SnapshotStore = { ...snapshotStore, kind: 'memory', read: (id, name) => (snapshotReads++, snapshotStore.read(id, name)), write: (s) => snapshotStore.write(s), close: async () => {} };
    await snapshotStore.write({ streamId, name: 'state', schemaVersion: 1, version: 99_995, state: { total: 99_995, count: 99_995 }, takenAt: new Date().toISOString() });
    const loaded = await loadAggregate(asStore(long), tally(1000), stream, { snapshots: new Snapshots(counted) });

    expect(loaded).toEqual({ state: { total: 100_000, count: 100_000 }, version: 100_000, fromSnapshot: 99_995 });
    expect(snapshotReads).toBe(1);
    expect(long.readCalls).toBe(short.readCalls);
    expect(long.eventsServed).toBeLessThanOrEqual(short.eventsServed);

    const withoutSnapshot = new LongStream(100_000);
    await loadAggregate(asStore(withoutSnapshot), tally(1000), stream);
    expect(withoutSnapshot.eventsServed).toBe(100_000);
  });

  it('a snapshot of another schemaVersion is discarded: the stream is replayed and a new snapshot replaces it', async () => {
    const store = new MemoryEventStore();
    const snapshotStore = new MemorySnapshotStore();
    const snapshots = new Snapshots(snapshotStore);
    for (let i = 0; i < 4; i++) await handleCommand(store, tally(2, 1), stream, { by: 1 }, { region, snapshots });
    await snapshots.idle();
    await snapshotStore.write({ ...(await snapshotStore.read(streamId, 'state'))!, state: { total: -1000, count: -1 } });

    const reshaped = tally(2, 2);
    expect(await loadAggregate(store, reshaped, stream, { snapshots })).toEqual({ state: { total: 4, count: 4 }, version: 4 });
    await handleCommand(store, reshaped, stream, { by: 1 }, { region, snapshots });
    await snapshots.idle();
    expect(await snapshotStore.read(streamId, 'state')).toMatchObject({ schemaVersion: 2, version: 5, state: { total: 5 } });
  });

  it('a snapshot ahead of the stream (from another log) is ignored', async () => {
    const store = new MemoryEventStore();
    const snapshotStore = new MemorySnapshotStore();
    await snapshotStore.write({ streamId, name: 'state', schemaVersion: 1, version: 50, state: { total: 50, count: 50 }, takenAt: new Date().toISOString() });
    const snapshots = new Snapshots(snapshotStore);
    expect(await loadAggregate(store, tally(10), stream, { snapshots })).toEqual({ state: { total: 0, count: 0 }, version: 0 });
    await handleCommand(store, tally(10), stream, { by: 3 }, { region, snapshots });
    expect(await loadAggregate(store, tally(10), stream, { snapshots })).toEqual({ state: { total: 3, count: 1 }, version: 1 });
  });

  it('a snapshot store that fails is reported and skipped: commands still succeed from the log', async () => {
    const failures: string[] = [];
    const broken: SnapshotStore = {
      kind: 'broken',
      read: async () => Promise.reject(new Error('read failed')),
      write: async () => Promise.reject(new Error('write failed')),
      close: async () => {},
    };
    const snapshots = new Snapshots(broken, { onError: (error, at) => failures.push(`${at.operation}: ${(error as Error).message}`) });
    const store = new MemoryEventStore();
    for (let i = 0; i < 3; i++) await handleCommand(store, tally(1), stream, { by: 1 }, { region, snapshots });
    await snapshots.idle();
    expect((await loadAggregate(store, tally(1), stream, { snapshots })).state).toEqual({ total: 3, count: 3 });
    expect(failures).toContain('read: read failed');
    expect(failures).toContain('write: write failed');
  });

  it('a command answers without waiting for its snapshot to be written', async () => {
    let release!: () => void;
    const written: Snapshot[] = [];
    const slow: SnapshotStore = {
      kind: 'slow',
      read: async () => undefined,
      write: (snapshot) => new Promise<void>((resolve) => (release = () => (written.push(snapshot), resolve()))),
      close: async () => {},
    };
    const snapshots = new Snapshots(slow);
    const result = await handleCommand(new MemoryEventStore(), tally(1), stream, { by: 1 }, { region, snapshots });
    expect(result.version).toBe(1);
    expect(written).toHaveLength(0);
    release();
    await snapshots.idle();
    expect(written.map((s) => s.version)).toEqual([1]);
  });

  it('writes one snapshot at a time per stream, and only the newest of those that queued behind it', async () => {
    const releases: Array<() => void> = [];
    const written: number[] = [];
    const gated: SnapshotStore = {
      kind: 'gated',
      read: async () => undefined,
      write: (snapshot) => new Promise<void>((resolve) => releases.push(() => (written.push(snapshot.version), resolve()))),
      close: async () => {},
    };
    const snapshots = new Snapshots(gated);
    const policy = tally(1).snapshot!;
    const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
    for (const version of [1, 3, 2, 4]) snapshots.save(streamId, policy, { total: version, count: version }, version);
    await tick();
    expect(releases).toHaveLength(1);
    releases.shift()!();
    await tick();
    expect(releases).toHaveLength(1);
    releases.shift()!();
    await snapshots.idle();
    expect(written).toEqual([1, 4]);
  });

  it('states that are not JSON go through toSnapshot and fromSnapshot, and are copied when saved', async () => {
    type Seen = Map<string, number>;
    const decider: Decider<{ key: string }, DomainEvent<'Seen', { key: string }>, Seen> = {
      initialState: () => new Map(),
      evolve: (state, event) => new Map(state).set(event.data.key, (state.get(event.data.key) ?? 0) + 1),
      decide: (command) => [{ type: 'Seen', data: { key: command.key } }],
      snapshot: { name: 'seen', schemaVersion: 1, every: 2, toSnapshot: (state) => Object.fromEntries(state), fromSnapshot: (data) => new Map(Object.entries(data as Record<string, number>)) },
    };
    const store = new MemoryEventStore();
    const snapshotStore = new MemorySnapshotStore();
    const snapshots = new Snapshots(snapshotStore);
    for (const key of ['a', 'b', 'a']) await handleCommand(store, decider, stream, { key }, { region, snapshots });
    await snapshots.idle();
    expect((await snapshotStore.read(streamId, 'seen'))?.state).toEqual({ a: 1, b: 1 });
    const loaded = await loadAggregate(store, decider, stream, { snapshots });
    expect(loaded.fromSnapshot).toBe(2);
    expect(loaded.state).toEqual(new Map([['a', 2], ['b', 1]]));
  });
});
