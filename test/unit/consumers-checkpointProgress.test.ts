import { describe, expect, it } from 'vitest';
import { defineProjection, defineView, newEventId, type GlobalLog, type PositionedEvent, type ProjectionStorage } from '../../src/core/index.ts';
import { MAX_DOCUMENT_POSITIONS } from '../../src/consumers/projection/applyBatch.ts';
import { ConsumerRuntime } from '../../src/consumers/runtime.ts';
import { streamProjection } from '../../src/consumers/streamProjection.ts';
import { MemoryEventStore } from '../../src/stores/memory/memoryEventStore.ts';
import { openMemoryProjectionStorage, type MemoryViewStore } from '../../src/stores/memory/memoryProjectionStorage.ts';

/** One document counting the events of every stream: touched by many streams at once. */
const tally = defineProjection({
  name: 'tally',
  version: 1,
  eventTypes: 'all',
  views: [defineView<{ [field: string]: unknown; count: number }>({ name: 'tally', keysOf: () => ['all'], reduce: (current) => ({ count: (current?.count ?? 0) + 1 }) })],
});

const append = async (store: MemoryEventStore, id: string, count = 1) => {
  for (let i = 0; i < count; i++)
    await store.append({
      stream: { aggregateType: 'Order', aggregateId: id },
      expectedVersion: 'any',
      events: [{ id: newEventId(), type: 'Placed', schemaVersion: 1, data: {}, metadata: {} }],
      region: 'test',
    });
};

const setup = (log: GlobalLog, storage: ProjectionStorage & { views: MemoryViewStore } = openMemoryProjectionStorage()) => ({
  storage,
  runtime: new ConsumerRuntime({ projections: [streamProjection, tally], views: storage.views, checkpoints: storage.checkpoints, region: 'test', maxAttempts: 1, log }),
});

/** The log as the follower hands it over: every event after `after`, in order. */
const delivered = (store: MemoryEventStore, after = 0): Promise<PositionedEvent[]> => store.readAll(after, 10_000);

const progressDocuments = (views: MemoryViewStore) => views.snapshot().filter((d) => d.view.startsWith('_progress.'));

describe('progress on a log read in one order that never changes', () => {
  it('lives in the checkpoint alone: no per-stream progress documents are written', async () => {
    const store = new MemoryEventStore();
    await append(store, 'a', 3);
    await append(store, 'b', 2);
    const { runtime, storage } = setup(store);
    await runtime.applyLive('stream', await delivered(store));
    expect((await runtime.readView('stream', 'Order-a', { waitMs: 0 })).kind).toBe('found');
    expect(progressDocuments(storage.views)).toEqual([]);
  });

  it('answers read-your-writes from where the checkpoint stands in the log', async () => {
    const store = new MemoryEventStore();
    await append(store, 'a', 2);
    const { runtime } = setup(store);
    const [first, second] = await delivered(store);
    await runtime.applyLive('stream', [first!]);
    expect(await runtime.readView('stream', 'Order-a', { waitMs: 0, atLeast: { streamId: 'Order-a', sequence: 1 } })).toMatchObject({ kind: 'found' });
    expect(await runtime.readView('stream', 'Order-a', { waitMs: 0, atLeast: { streamId: 'Order-a', sequence: 2 } })).toMatchObject({
      kind: 'not-caught-up',
      appliedSequence: 0,
    });
    // A write the log does not hold yet is not caught up either.
    expect(await runtime.readView('stream', 'Order-a', { waitMs: 0, atLeast: { streamId: 'Order-a', sequence: 9 } })).toMatchObject({ kind: 'not-caught-up' });
    await runtime.applyLive('stream', [second!]);
    expect(await runtime.readView('stream', 'Order-a', { waitMs: 0, atLeast: { streamId: 'Order-a', sequence: 2 } })).toMatchObject({
      kind: 'found',
      document: { data: { version: 2, eventCount: 2 } },
    });
  });

  it('drops a batch delivered again after a crash before its checkpoint: the documents know what they hold', async () => {
    const store = new MemoryEventStore();
    await append(store, 'a', 2);
    await append(store, 'b', 1);
    const storage = openMemoryProjectionStorage();
    const batch = await delivered(store);
    // The first process applied the batch and died before writing its checkpoint.
    const crashed = setup(store, storage);
    await crashed.runtime.applyLive('tally', batch);
    await storage.checkpoints.put({ ...(await storage.checkpoints.get('tally'))!.state, position: 0 }, { etag: (await storage.checkpoints.get('tally'))!.etag });
    const { runtime } = setup(store, storage);
    await runtime.applyLive('tally', batch);
    const read = await runtime.readView('tally', 'all', { waitMs: 0 });
    expect(read).toMatchObject({ kind: 'found', document: { data: { count: 3 } } });
  });

  it('keeps a document touched by many streams small, also after a restart, using where the log holds what the checkpoint passed', async () => {
    const store = new MemoryEventStore();
    const streams = MAX_DOCUMENT_POSITIONS * 3;
    for (let s = 0; s < streams; s++) await append(store, `s${s}`);
    const storage = openMemoryProjectionStorage();
    const first = setup(store, storage);
    const all = await delivered(store);
    await first.runtime.applyLive('tally', all.slice(0, streams / 2));
    // A new process (nothing confirmed in memory) applies the rest.
    const { runtime } = setup(store, storage);
    await runtime.applyLive('tally', all.slice(streams / 2));
    await runtime.applyLive('tally', []);
    await append(store, 'late');
    await runtime.applyLive('tally', await delivered(store, all.at(-1)!.position));
    const document = storage.views.snapshot().find((d) => d.view === 'tally@1' && d.key === 'all')!;
    expect(document.data).toEqual({ count: streams + 1 });
    expect(Object.keys(document.positions).length).toBeLessThanOrEqual(MAX_DOCUMENT_POSITIONS + 1);
  });
});

describe('progress on a log that may replace what it served (a region after a forced failover)', () => {
  it('is kept per stream in documents, so an event replaced at a position it applied is seen as divergence', async () => {
    const store = new MemoryEventStore();
    await append(store, 'a', 1);
    const replacing: GlobalLog = { ...{ readAll: store.readAll.bind(store), headPosition: store.headPosition.bind(store), positionOf: store.positionOf.bind(store) }, replacesEvents: true };
    const { runtime, storage } = setup(replacing);
    const [applied] = await delivered(store);
    await runtime.applyLive('stream', [applied!]);
    expect(progressDocuments(storage.views)).toHaveLength(1);
    await runtime.applyLive('stream', [{ ...applied!, id: newEventId(), position: 2 }]);
    expect((await runtime.entry('stream')).divergence).toMatchObject({ detected: 1 });
  });
});
