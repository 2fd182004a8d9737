import { describe, expect, it } from 'vitest';
import { ConsumerRuntime } from '../../src/consumers/runtime.ts';
import { streamProjection } from '../../src/consumers/streamProjection.ts';
import { newEventId, StoreUnavailableError, type ViewStore } from '../../src/core/index.ts';
import { MemoryEventStore } from '../../src/stores/memory/memoryEventStore.ts';
import { openMemoryProjectionStorage } from '../../src/stores/memory/memoryProjectionStorage.ts';
import { eventOf, postsProjection } from './projectionsFixtures.ts';

// Reading views: local first, the log itself when the region's views cannot answer (for views kept
// from one stream), and hot documents revalidated by etag rather than read in full each time.

const appendTo = async (store: MemoryEventStore, aggregateId: string, ...types: string[]) => {
  for (const type of types)
    await store.append({ stream: { aggregateType: 'Order', aggregateId }, expectedVersion: 'any', events: [{ id: newEventId(), type, schemaVersion: 1, data: {}, metadata: {} }], region: 'test' });
};

/** A view store that can be made unreachable, as a region's views account can. */
const switchable = (views: ViewStore) => {
  const state = { down: false };
  const guard = <T>(work: () => Promise<T>): Promise<T> => (state.down ? Promise.reject(new StoreUnavailableError('views account unreachable')) : work());
  const store: ViewStore = {
    kind: views.kind,
    get: (view, key) => guard(() => views.get(view, key)),
    getIfChanged: (view, key, etag) => guard(() => views.getIfChanged(view, key, etag)),
    put: (document, condition) => guard(() => views.put(document, condition)),
    getMany: (refs) => guard(() => views.getMany(refs)),
    putMany: (writes) => guard(() => views.putMany(writes)),
    delete: (view, key) => guard(() => views.delete(view, key)),
    dropView: (view) => guard(() => views.dropView(view)),
  };
  return { store, state };
};

const setup = () => {
  const storage = openMemoryProjectionStorage();
  const views = switchable(storage.views);
  const runtime = new ConsumerRuntime({ projections: [streamProjection, postsProjection()], views: views.store, checkpoints: storage.checkpoints, region: 'test', maxAttempts: 1 });
  return { runtime, views, log: new MemoryEventStore() };
};

describe('a view read with fallback=central', () => {
  it("is answered from the log, folded as the projection would, when this region's views are unreachable", async () => {
    const { runtime, views, log } = setup();
    await appendTo(log, 'c1', 'Placed', 'Paid');
    views.state.down = true;
    await expect(runtime.readView('stream', 'Order-c1', { waitMs: 0 })).rejects.toBeInstanceOf(StoreUnavailableError);
    const read = await runtime.readView('stream', 'Order-c1', { waitMs: 0, fallback: log });
    expect(read).toMatchObject({ kind: 'found', source: 'central', document: { data: { streamId: 'Order-c1', version: 2, eventCount: 2, lastEventType: 'Paid' } } });
    expect(await runtime.readView('stream', 'Order-none', { waitMs: 0, fallback: log })).toEqual({ kind: 'absent', source: 'central' });
  });

  it('is answered from the log when the projection has not applied the write in time, and equals what it will show', async () => {
    const { runtime, log } = setup();
    await appendTo(log, 'c2', 'Placed', 'Shipped');
    const atLeast = { streamId: 'Order-c2', sequence: 2 };
    expect(await runtime.readView('stream', 'Order-c2', { atLeast, waitMs: 0 })).toMatchObject({ kind: 'not-caught-up' });
    const central = await runtime.readView('stream', 'Order-c2', { atLeast, waitMs: 0, fallback: log });
    await runtime.applyLive('stream', await log.readAll(0, 100));
    const local = await runtime.readView('stream', 'Order-c2', { atLeast, waitMs: 0 });
    expect(central).toMatchObject({ kind: 'found', source: 'central' });
    expect(local).toMatchObject({ kind: 'found', source: 'views' });
    expect(central.kind === 'found' && central.document.data).toEqual(local.kind === 'found' && local.document.data);
  });

  it('leaves views that are not kept from one stream to the region: they answer as without fallback', async () => {
    const { runtime, views, log } = setup();
    views.state.down = true;
    await expect(runtime.readView('post', 'p1', { waitMs: 0, fallback: log })).rejects.toBeInstanceOf(StoreUnavailableError);
    views.state.down = false;
    expect(await runtime.readView('post', 'p1', { atLeast: { streamId: 'Post-p1', sequence: 1 }, waitMs: 0, fallback: log })).toMatchObject({ kind: 'not-caught-up' });
  });
});

describe('hot view documents', () => {
  it('are revalidated by etag on every read: unchanged ones without a body, changed ones read afresh, never stale', async () => {
    const { runtime } = setup();
    await runtime.applyLive('stream', [eventOf('Order-h1', 1, 'Placed')]);
    const before = runtime.viewCacheStats;
    for (let i = 0; i < 5; i++) expect(await runtime.readView('stream', 'Order-h1', { waitMs: 0 })).toMatchObject({ document: { data: { version: 1 } } });
    expect(runtime.viewCacheStats.hits - before.hits).toBe(4);
    await runtime.applyLive('stream', [eventOf('Order-h1', 2, 'Paid')]);
    expect(await runtime.readView('stream', 'Order-h1', { waitMs: 0 })).toMatchObject({ document: { data: { version: 2, lastEventType: 'Paid' } } });
    expect(runtime.viewCacheStats.misses - before.misses).toBe(2);
  });
});
