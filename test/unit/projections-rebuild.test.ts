import { describe, expect, it } from 'vitest';
import { newEventId, type ProjectionDefinition } from '../../src/core/index.ts';
import { globalLogReplay } from '../../src/consumers/globalLogReplay.ts';
import { ConsumerRuntime } from '../../src/consumers/runtime.ts';
import { streamProjection } from '../../src/consumers/streamProjection.ts';
import { MemoryEventStore } from '../../src/stores/memory/memoryEventStore.ts';
import { openMemoryProjectionStorage } from '../../src/stores/memory/memoryProjectionStorage.ts';
import { postsProjection } from './projectionsFixtures.ts';

const append = (store: MemoryEventStore, aggregateType: string, aggregateId: string, type: string, data: Record<string, unknown> = {}) =>
  store.append({
    stream: { aggregateType, aggregateId },
    expectedVersion: 'any',
    events: [{ id: newEventId(), type, schemaVersion: 1, data, metadata: {} }],
    region: 'test',
  });

const runtimeOver = (storage: ReturnType<typeof openMemoryProjectionStorage>, store: MemoryEventStore, projections: ProjectionDefinition[]) =>
  new ConsumerRuntime({ projections, ...storage, region: 'test', maxAttempts: 1, log: store, retireAfterMs: 0 });

/** What the local poller does for one projection, run by hand so the test sees each step. */
const catchUpLive = async (runtime: ConsumerRuntime, store: MemoryEventStore, name: string) => {
  for (let i = 0; i < 100; i++) {
    const state = await runtime.state(name);
    const events = await store.readAll(state.position, 2);
    if (events.length === 0) return;
    await runtime.applyLive(name, events);
  }
};

const titleOf = async (runtime: ConsumerRuntime, postId: string) => {
  const read = await runtime.readView('post', postId, { waitMs: 0 });
  return read.kind === 'found' ? read.document.data?.title : undefined;
};

describe('rebuilds', () => {
  it('replay into a new generation while the old one serves, then switch, and the old generation is dropped', async () => {
    const store = new MemoryEventStore();
    const storage = openMemoryProjectionStorage();
    const runtime = runtimeOver(storage, store, [postsProjection()]);
    for (let i = 0; i < 5; i++) await append(store, 'Post', `p${i}`, 'PostCreated', { title: `t${i}` });
    await catchUpLive(runtime, store, 'posts');
    const before = storage.views.snapshot().filter((d) => d.view === 'post@1');

    expect(await runtime.requestRebuild('posts')).toMatchObject({ status: 'rebuilding', generation: 1, rebuild: { generation: 2, position: 0, lag: 5 } });
    const replay = globalLogReplay(store);
    expect(await runtime.rebuildStep('posts', replay, 2)).toBe('progress');
    expect((await runtime.entry('posts')).rebuild).toMatchObject({ position: 2, lag: 3, eventsApplied: 2 });
    expect(await titleOf(runtime, 'p4')).toBe('t4'); // served from generation 1

    // A live write during the rebuild reaches the old generation now and the new one by the switch.
    await append(store, 'Post', 'p1', 'PostRenamed', { title: 'renamed' });
    await catchUpLive(runtime, store, 'posts');
    expect(await titleOf(runtime, 'p1')).toBe('renamed');

    const outcomes: string[] = [];
    for (let i = 0; i < 10 && outcomes.at(-1) !== 'switched'; i++) outcomes.push(await runtime.rebuildStep('posts', replay, 2));
    expect(outcomes.slice(-2)).toEqual(['switching', 'switched']);
    expect(await runtime.entry('posts')).toMatchObject({ status: 'running', generation: 2, position: 6, lag: 0 });
    expect(await titleOf(runtime, 'p1')).toBe('renamed');

    const rebuilt = storage.views.snapshot().filter((d) => d.view === 'post@2');
    expect(rebuilt.map(({ key, data }) => ({ key, data }))).toEqual(
      before.map(({ key, data }) => ({ key, data: key === 'p1' ? { ...data, title: 'renamed' } : data })),
    );
    await runtime.dropRetired('posts');
    expect(storage.views.snapshot().filter((d) => d.view.endsWith('@1'))).toEqual([]);
  });

  it('live passes hold while a rebuild switches, so nothing they apply can be missed', async () => {
    const store = new MemoryEventStore();
    const storage = openMemoryProjectionStorage();
    const runtime = runtimeOver(storage, store, [postsProjection()]);
    await append(store, 'Post', 'p1', 'PostCreated', { title: 't' });
    await runtime.requestRebuild('posts');
    expect(await runtime.rebuildStep('posts', globalLogReplay(store), 10)).toBe('switching');
    await expect(runtime.applyLive('posts', await store.readAll(0, 10))).rejects.toThrow(/switching/);
    expect(await runtime.rebuildStep('posts', globalLogReplay(store), 10)).toBe('switched');
  });

  it('start by themselves when a projection version goes up, and serve the old views until they switch', async () => {
    const store = new MemoryEventStore();
    const storage = openMemoryProjectionStorage();
    await append(store, 'Post', 'p1', 'PostCreated', { title: 'hello' });
    const v1 = runtimeOver(storage, store, [postsProjection(1)]);
    await catchUpLive(v1, store, 'posts');

    const v2 = runtimeOver(storage, store, [postsProjection(2)]);
    expect(await v2.entry('posts')).toMatchObject({ status: 'rebuilding', version: 1, rebuild: { generation: 2 } });
    expect(await titleOf(v2, 'p1')).toBe('hello');
    while ((await v2.rebuildStep('posts', globalLogReplay(store), 10)) !== 'switched');
    expect(await v2.entry('posts')).toMatchObject({ status: 'running', version: 2, generation: 2 });
    expect(await titleOf(v2, 'p1')).toBe('hello (v2)');
  });

  it('requested again while one runs, restart into a fresh generation and retire the partial one', async () => {
    const store = new MemoryEventStore();
    const storage = openMemoryProjectionStorage();
    const runtime = runtimeOver(storage, store, [postsProjection()]);
    for (let i = 0; i < 4; i++) await append(store, 'Post', `p${i}`, 'PostCreated', { title: `t${i}` });
    await runtime.requestRebuild('posts');
    await runtime.rebuildStep('posts', globalLogReplay(store), 2);
    const again = await runtime.requestRebuild('posts');
    expect(again.rebuild).toMatchObject({ generation: 3, position: 0 });
    expect((await runtime.state('posts')).retired.map((r) => r.generation)).toEqual([2]);
  });

  it('a projection added to an existing log catches up from its beginning', async () => {
    const store = new MemoryEventStore();
    const storage = openMemoryProjectionStorage();
    for (let i = 0; i < 3; i++) await append(store, 'Post', `p${i}`, 'PostCreated', { title: `t${i}` });
    const before = runtimeOver(storage, store, [streamProjection]);
    await catchUpLive(before, store, 'stream');

    const after = runtimeOver(storage, store, [streamProjection, postsProjection()]);
    expect(await after.entry('posts')).toMatchObject({ status: 'running', position: 0, lag: 3 });
    await catchUpLive(after, store, 'posts');
    expect(await after.entry('posts')).toMatchObject({ position: 3, lag: 0 });
    expect(await titleOf(after, 'p0')).toBe('t0');
  });
});
