import { describe, expect, it } from 'vitest';
import { ConsumerRuntime } from '../../src/consumers/runtime.ts';
import { streamProjection } from '../../src/consumers/streamProjection.ts';
import { defineProjection, defineView, type EventEnvelope, type ReplaySource } from '../../src/core/index.ts';
import { openMemoryProjectionStorage } from '../../src/stores/memory/memoryProjectionStorage.ts';
import { eventOf } from './projectionsFixtures.ts';

// What regions need of the runtime: a rebuild that loses nothing applied live meanwhile, divergence
// (an applied position now holding another event) found and repaired from the log, and documents
// that stay bounded however many streams touch them.

const runtimeOf = (projections = [streamProjection]) => {
  const storage = openMemoryProjectionStorage();
  const runtime = new ConsumerRuntime({ projections, views: storage.views, checkpoints: storage.checkpoints, region: 'test', maxAttempts: 1, retireAfterMs: 0 });
  return { runtime, storage };
};

/** A replay source over a fixed list of events, in pages. */
const sourceOf = (events: () => readonly EventEnvelope[]): ReplaySource => ({
  readFrom: async (cursor, limit) => {
    const from = cursor === undefined ? 0 : Number(cursor);
    const page = events().slice(from, from + limit);
    return { events: page, cursor: String(from + page.length), caughtUp: from + page.length >= events().length };
  },
});

const rebuildToSwitch = async (runtime: ConsumerRuntime, name: string, source: ReplaySource): Promise<void> => {
  for (let step = 0; step < 100; step++) if ((await runtime.rebuildStep(name, source, 2)) === 'switched') return;
  throw new Error('the rebuild did not switch');
};

const withId = (event: EventEnvelope, id: string): EventEnvelope => ({ ...event, id });

describe('a rebuild', () => {
  it('holds an event applied live before the switch in the new generation, though the copy it replays never had it', async () => {
    const { runtime } = runtimeOf();
    const log = [eventOf('Order-1', 1, 'Placed'), eventOf('Order-1', 2, 'Paid'), eventOf('Order-2', 1, 'Placed')];
    await runtime.applyLive('stream', log);
    await runtime.requestRebuild('stream');
    const copy = sourceOf(() => log);
    // The replay passes Order-1 (its first page), then an event of Order-1 arrives live.
    expect(await runtime.rebuildStep('stream', copy, 2)).toBe('progress');
    await runtime.applyLive('stream', [eventOf('Order-1', 3, 'Shipped')]);
    await rebuildToSwitch(runtime, 'stream', copy);
    expect((await runtime.entry('stream')).generation).toBe(2);
    expect(await runtime.readView('stream', 'Order-1', { waitMs: 0 })).toMatchObject({ kind: 'found', document: { data: { version: 3, eventCount: 3, lastEventType: 'Shipped' } } });
  });
});

describe('divergence', () => {
  it('an event at an applied position under another id is found, counted, and repaired by a rebuild from the log', async () => {
    const { runtime } = runtimeOf();
    const lost = [eventOf('Order-1', 1, 'Placed'), withId(eventOf('Order-1', 2, 'Paid'), 'lost-2')];
    await runtime.applyLive('stream', lost);
    expect(await runtime.readView('stream', 'Order-1', { waitMs: 0 })).toMatchObject({ document: { data: { lastEventType: 'Paid' } } });

    // The log after a forced failover: position 2 holds another event, and the lost one came back later.
    const log = [lost[0]!, withId(eventOf('Order-1', 2, 'Cancelled'), 'kept-2'), withId(eventOf('Order-1', 3, 'Paid'), 'lost-2')];
    await runtime.applyLive('stream', log.slice(1));
    const found = await runtime.entry('stream');
    expect(found.status).toBe('rebuilding');
    expect(found.divergence).toMatchObject({ detected: 1, repaired: 0, last: [{ streamId: 'Order-1', sequence: 2, appliedId: 'lost-2', eventId: 'kept-2' }] });

    await rebuildToSwitch(runtime, 'stream', sourceOf(() => log));
    const repaired = await runtime.entry('stream');
    expect(repaired).toMatchObject({ status: 'running', generation: 2, divergence: { detected: 1, repaired: 1 } });
    expect(await runtime.readView('stream', 'Order-1', { waitMs: 0 })).toMatchObject({ document: { data: { version: 3, eventCount: 3, lastEventType: 'Paid' } } });
  });

  it('a redelivery under the same ids is not divergence', async () => {
    const { runtime } = runtimeOf();
    const events = [eventOf('Order-1', 1, 'Placed'), eventOf('Order-1', 2, 'Paid')];
    await runtime.applyLive('stream', events);
    await runtime.applyLive('stream', events);
    expect(await runtime.entry('stream')).toMatchObject({ status: 'running', generation: 1 });
    expect((await runtime.entry('stream')).divergence).toBeUndefined();
  });
});

describe('document size', () => {
  const counter = defineProjection({
    name: 'totals',
    version: 1,
    eventTypes: 'all',
    views: [defineView({ name: 'total', keysOf: () => ['all'], reduce: (current) => ({ count: (Number(current?.count) || 0) + 1 }) })],
  });

  it('a document every stream touches keeps a bounded map of stream positions', async () => {
    const { runtime, storage } = runtimeOf([counter]);
    const events = Array.from({ length: 5_000 }, (_, i) => eventOf(`Order-${i}`, 1, 'Placed'));
    for (let at = 0; at < events.length; at += 256) await runtime.applyLive('totals', events.slice(at, at + 256));
    const total = storage.views.snapshot().find((d) => d.view === 'total@1')!;
    expect(total.data).toEqual({ count: 5_000 });
    expect(Object.keys(total.positions).length).toBeLessThanOrEqual(64 + 256);
    // Redelivered, nothing counts twice.
    await runtime.applyLive('totals', events.slice(0, 256));
    expect(storage.views.snapshot().find((d) => d.view === 'total@1')!.data).toEqual({ count: 5_000 });
  });
});
