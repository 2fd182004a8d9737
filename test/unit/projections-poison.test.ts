import { describe, expect, it } from 'vitest';
import { defineProjection } from '../../src/core/index.ts';
import { ConsumerHeldError } from '../../src/consumers/errors.ts';
import { streamProjection } from '../../src/consumers/streamProjection.ts';
import { eventOf, fragileProjection, memoryRuntime } from './projectionsFixtures.ts';

const batch = [
  eventOf('Order-1', 1, 'Placed'),
  eventOf('Order-2', 1, 'Placed', { poison: true }),
  eventOf('Order-1', 2, 'Shipped'),
];

const setup = () => {
  const switches = { poisonous: true };
  const { runtime, storage } = memoryRuntime([streamProjection, fragileProjection(switches)], { maxAttempts: 3 });
  return { runtime, storage, switches };
};

const countOf = async (runtime: ReturnType<typeof setup>['runtime'], key: string) => {
  const read = await runtime.readView('fragile', key, { waitMs: 0 });
  return read.kind === 'found' ? read.document.data?.count : undefined;
};

describe('poison events', () => {
  it('halt only their projection, after the events before them, and are listed with their error', async () => {
    const { runtime } = setup();
    const outcome = await runtime.applyLive('fragile', batch);
    expect(outcome).toMatchObject({ processed: 1, halted: { eventId: 'Order-2#1', streamId: 'Order-2', sequence: 1, attempts: 3, phase: 'live' } });
    expect(outcome.halted?.error).toContain('cannot project Order-2#1');
    expect(await countOf(runtime, 'Order-1')).toBe(1);

    expect(await runtime.applyLive('stream', batch)).toMatchObject({ processed: 3 });
    const entries = Object.fromEntries((await runtime.entries()).map((e) => [e.name, e]));
    expect(entries.fragile).toMatchObject({ status: 'halted', lastError: expect.stringContaining('cannot project'), halt: { eventId: 'Order-2#1' } });
    expect(entries.stream).toMatchObject({ status: 'running' });
    expect(entries.stream!.lastError).toBeUndefined();
  });

  it('keep their projection refusing batches until an operator acts', async () => {
    const { runtime } = setup();
    await runtime.applyLive('fragile', batch);
    await expect(runtime.applyLive('fragile', [eventOf('Order-3', 1, 'Placed')])).rejects.toBeInstanceOf(ConsumerHeldError);
    expect(await countOf(runtime, 'Order-3')).toBeUndefined();
  });

  it('are tried again on resume, and apply once the handler is fixed', async () => {
    const { runtime, switches } = setup();
    await runtime.applyLive('fragile', batch);
    expect((await runtime.resume('fragile', { skip: false })).status).toBe('running');
    expect((await runtime.applyLive('fragile', batch)).halted?.eventId).toBe('Order-2#1');

    switches.poisonous = false;
    await runtime.resume('fragile', { skip: false });
    expect(await runtime.applyLive('fragile', batch)).toMatchObject({ processed: 3, halted: undefined });
    expect([await countOf(runtime, 'Order-1'), await countOf(runtime, 'Order-2')]).toEqual([2, 1]);
  });

  it('are passed over on resume with skip, which is recorded, and their stream still counts as caught up', async () => {
    const { runtime } = setup();
    await runtime.applyLive('fragile', batch);
    const entry = await runtime.resume('fragile', { skip: true });
    expect(entry).toMatchObject({ status: 'running', skipped: [{ eventId: 'Order-2#1', error: expect.stringContaining('cannot project'), skippedAt: expect.any(String) }] });
    expect(entry.halt).toBeUndefined();

    expect(await runtime.applyLive('fragile', batch)).toMatchObject({ processed: 3, halted: undefined });
    expect([await countOf(runtime, 'Order-1'), await countOf(runtime, 'Order-2')]).toEqual([2, undefined]);
    expect(await runtime.readView('fragile', 'Order-1', { atLeast: { streamId: 'Order-2', sequence: 1 }, waitMs: 0 })).toMatchObject({ kind: 'found' });
  });

  it('resuming a projection that is not halted changes nothing', async () => {
    const { runtime } = setup();
    await runtime.applyLive('stream', batch);
    const before = await runtime.entry('stream');
    expect(await runtime.resume('stream', { skip: true })).toEqual(before);
  });

  it('a handler that fails and then succeeds within its attempts does not halt', async () => {
    let failuresLeft = 2;
    const flaky = defineProjection({
      name: 'flaky',
      version: 1,
      eventTypes: 'all',
      views: [
        {
          name: 'flaky',
          keysOf: (e) => [e.streamId],
          reduce: () => {
            if (failuresLeft-- > 0) throw new Error('passing trouble');
            return { ok: true };
          },
        },
      ],
    });
    const { runtime } = memoryRuntime([flaky], { maxAttempts: 3 });
    expect(await runtime.applyLive('flaky', [eventOf('Order-1', 1, 'Placed')])).toMatchObject({ processed: 1, applied: 1, halted: undefined });
  });

  it('a key a view cannot store is poison too', async () => {
    const badKeys = defineProjection({
      name: 'badkeys',
      version: 1,
      eventTypes: 'all',
      views: [{ name: 'badkeys', keysOf: (e) => [`${e.streamId}/slash`], reduce: () => ({}) }],
    });
    const { runtime } = memoryRuntime([badKeys], { maxAttempts: 1 });
    const outcome = await runtime.applyLive('badkeys', [eventOf('Order-1', 1, 'Placed')]);
    expect(outcome.halted?.error).toMatch(/key "Order-1\/slash" must not contain/);
  });

  it('a reducer that returns something other than an object or null is poison', async () => {
    const arrays = defineProjection({
      name: 'arrays',
      version: 1,
      eventTypes: 'all',
      views: [{ name: 'arrays', keysOf: (e) => [e.streamId], reduce: () => [] as unknown as Record<string, unknown> }],
    });
    const { runtime } = memoryRuntime([arrays], { maxAttempts: 1 });
    expect((await runtime.applyLive('arrays', [eventOf('Order-1', 1, 'Placed')])).halted?.error).toContain('returned an array');
  });
});
