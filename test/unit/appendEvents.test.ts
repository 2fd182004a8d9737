import { describe, expect, it } from 'vitest';
import {
  appendEvents,
  ConcurrencyError,
  decodeConsistencyToken,
  IdempotencyKeyReusedError,
  idempotentEventId,
  type AppendRequest,
  type AppendResult,
  type EventStore,
} from '../../src/core/index.ts';
import { MemoryEventStore } from '../../src/stores/memory/memoryEventStore.ts';

const stream = { aggregateType: 'Cart', aggregateId: '1' };
const command = (overrides: Partial<Parameters<typeof appendEvents>[1]> = {}) => ({
  stream,
  expectedVersion: 'any' as const,
  events: [{ type: 'ItemAdded', data: { sku: 'a' } }],
  region: 'r1',
  ...overrides,
});

describe('appendEvents', () => {
  it('returns a consistency token naming the stream and its last sequence', async () => {
    const outcome = await appendEvents(new MemoryEventStore(), command({ events: [{ type: 'A', data: {} }, { type: 'B', data: {} }] }));
    expect(decodeConsistencyToken(outcome.consistencyToken)).toEqual({ streamId: 'Cart-1', sequence: 2 });
    expect(outcome.replayed).toBe(false);
  });

  it('derives event ids from stream, key and position when an idempotency key is given', async () => {
    const outcome = await appendEvents(new MemoryEventStore(), command({ idempotencyKey: 'k1' }));
    expect(outcome.eventIds).toEqual([idempotentEventId('Cart-1', 'k1', 0)]);
    expect(idempotentEventId('Cart-1', 'k1', 0)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(idempotentEventId('Cart-2', 'k1', 0)).not.toBe(outcome.eventIds[0]);
  });

  it('replays the original result for a repeated keyed request, even with a stale expected version', async () => {
    const store = new MemoryEventStore();
    const first = await appendEvents(store, command({ idempotencyKey: 'k', expectedVersion: 'no_stream' }));
    const again = await appendEvents(store, command({ idempotencyKey: 'k', expectedVersion: 'no_stream' }));
    expect(again).toEqual({ ...first, replayed: true });
    expect((await store.getStreamInfo(stream))?.version).toBe(1);
  });

  it('refuses a key reused with different events', async () => {
    const store = new MemoryEventStore();
    await appendEvents(store, command({ idempotencyKey: 'k' }));
    await expect(appendEvents(store, command({ idempotencyKey: 'k', events: [{ type: 'ItemAdded', data: { sku: 'b' } }] }))).rejects.toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
    await expect(
      appendEvents(store, command({ idempotencyKey: 'k', events: [{ type: 'ItemAdded', data: { sku: 'a' } }, { type: 'X', data: {} }] })),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
  });

  it('retries "any" appends that lose a race, and gives up after the bound', async () => {
    const inner = new MemoryEventStore();
    let failures = 3;
    const flaky: EventStore = Object.assign(Object.create(inner) as EventStore, {
      append: async (request: AppendRequest): Promise<AppendResult> => {
        if (failures-- > 0) throw new ConcurrencyError('Cart-1', request.expectedVersion, 0);
        return inner.append(request);
      },
    });
    const policy = { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 2 };
    await expect(appendEvents(flaky, command(), policy)).resolves.toMatchObject({ version: 1 });
    failures = 10;
    await expect(appendEvents(flaky, command(), policy)).rejects.toBeInstanceOf(ConcurrencyError);
  });

  it('does not retry a numeric expected version', async () => {
    const store = new MemoryEventStore();
    await appendEvents(store, command());
    await expect(appendEvents(store, command({ expectedVersion: 5 }))).rejects.toMatchObject({ currentVersion: 1 });
  });
});
