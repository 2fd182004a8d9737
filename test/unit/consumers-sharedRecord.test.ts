import { describe, expect, it } from 'vitest';
import type { CheckpointStore } from '../../src/core/index.ts';
import { ConsumerRuntime } from '../../src/consumers/runtime.ts';
import { streamProjection } from '../../src/consumers/streamProjection.ts';
import { openMemoryProjectionStorage } from '../../src/stores/memory/memoryProjectionStorage.ts';
import { eventOf } from './projectionsFixtures.ts';

/** Checkpoints that count the writes of each record. */
const countingCheckpoints = (inner: CheckpointStore) => {
  const writes = new Map<string, number>();
  const store: CheckpointStore = {
    get: (name) => inner.get(name),
    put: (state, condition) => {
      writes.set(state.consumer, (writes.get(state.consumer) ?? 0) + 1);
      return inner.put(state, condition);
    },
  };
  return { store, writes };
};

/** A runtime as the change-feed trigger drives it: no global log, so events carry no position. */
const changeFeedRuntime = () => {
  const storage = openMemoryProjectionStorage();
  const checkpoints = countingCheckpoints(storage.checkpoints);
  const runtime = new ConsumerRuntime({ projections: [streamProjection], views: storage.views, checkpoints: checkpoints.store, region: 'test', maxAttempts: 1 });
  return { runtime, storage, writes: checkpoints.writes };
};

describe("a consumer's shared record, fed by change-feed batches", () => {
  it('is not rewritten by batches that only add to its counts: many instances would contend for it', async () => {
    const { runtime, writes } = changeFeedRuntime();
    await runtime.state('stream');
    const created = writes.get('stream') ?? 0;
    for (let batch = 1; batch <= 20; batch++) await runtime.applyLive('stream', [eventOf(`Order-${batch}`, 1, 'Placed')]);
    expect(writes.get('stream') ?? 0).toBe(created);
    // This instance's listing counts them all the same.
    expect(await runtime.entry('stream')).toMatchObject({ eventsApplied: 20, position: 20 });
  });

  it('receives the counts with its next change, and on flush, once', async () => {
    const { runtime, storage } = changeFeedRuntime();
    for (let batch = 1; batch <= 3; batch++) await runtime.applyLive('stream', [eventOf(`Order-${batch}`, 1, 'Placed')]);
    expect((await storage.checkpoints.get('stream'))?.state.eventsApplied).toBe(0);
    await runtime.requestRebuild('stream');
    expect((await storage.checkpoints.get('stream'))?.state.eventsApplied).toBe(3);
    await runtime.applyLive('stream', [eventOf('Order-9', 1, 'Placed')]);
    await runtime.flush();
    await runtime.flush();
    expect((await storage.checkpoints.get('stream'))?.state.eventsApplied).toBe(4);
    expect((await runtime.entry('stream')).eventsApplied).toBe(4);
  });

  it('is written at once when a batch halts the consumer', async () => {
    const { runtime, storage, writes } = changeFeedRuntime();
    await runtime.state('stream');
    const before = writes.get('stream') ?? 0;
    await runtime.applyLive('stream', [{ ...eventOf('Order-1', 1, 'Placed'), streamId: '' }]);
    expect(writes.get('stream')).toBe(before + 1);
    expect((await storage.checkpoints.get('stream'))?.state.halt).toBeDefined();
  });
});

describe('a record changed against what the store last knew of it (no read first)', () => {
  /** A store that offers its last known record, and another writer that changes the record behind its back. */
  const knowingStore = () => {
    const storage = openMemoryProjectionStorage();
    let known: Awaited<ReturnType<CheckpointStore['get']>>;
    let reads = 0;
    const store: CheckpointStore = {
      get: async (name) => {
        reads++;
        return (known = await storage.checkpoints.get(name));
      },
      put: async (state, condition) => {
        const etag = await storage.checkpoints.put(state, condition);
        known = etag === undefined ? undefined : { state, etag };
        return etag;
      },
      lastKnown: () => known,
    };
    return { store, behind: storage.checkpoints, reads: () => reads };
  };
  const runtimeOn = (checkpoints: CheckpointStore) => {
    const storage = openMemoryProjectionStorage();
    return new ConsumerRuntime({ projections: [streamProjection], views: storage.views, checkpoints, region: 'test', maxAttempts: 1 });
  };

  it('writes without reading when nobody wrote since', async () => {
    const { store, reads } = knowingStore();
    const runtime = runtimeOn(store);
    await runtime.state('stream');
    const before = reads();
    await runtime.saveCursor('stream', 'c1');
    expect(reads()).toBe(before);
    expect((await runtime.state('stream')).cursor).toBe('c1');
  });

  it('decides that nothing changes only on a fresh read', async () => {
    const { store, behind } = knowingStore();
    const runtime = runtimeOn(store);
    await runtime.saveCursor('stream', 'c1');
    // Another process moved the cursor on: what this store knows says c1 still.
    const stored = (await behind.get('stream'))!;
    await behind.put({ ...stored.state, cursor: 'c2' }, { etag: stored.etag });
    await runtime.saveCursor('stream', 'c1');
    expect((await behind.get('stream'))!.state.cursor).toBe('c1');
  });
});
