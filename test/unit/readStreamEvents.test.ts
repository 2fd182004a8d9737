import { describe, expect, it } from 'vitest';
import { newEventId, readStreamEvents } from '../../src/core/index.ts';
import { MemoryEventStore } from '../../src/stores/memory/memoryEventStore.ts';

const stream = { aggregateType: 'Ledger', aggregateId: 'l1' };
const collect = async (iterable: AsyncIterable<{ sequence: number }>) => {
  const sequences: number[] = [];
  for await (const event of iterable) sequences.push(event.sequence);
  return sequences;
};

describe('readStreamEvents', () => {
  it('reads a stream to its end across pages, from a given version', async () => {
    const store = new MemoryEventStore();
    const events = Array.from({ length: 7 }, () => ({ id: newEventId(), type: 'Posted', schemaVersion: 1, data: {}, metadata: {} }));
    await store.append({ stream, expectedVersion: 'no_stream', events, region: 'r' });
    expect(await collect(readStreamEvents(store, stream, 1, 3))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await collect(readStreamEvents(store, stream, 6, 3))).toEqual([6, 7]);
    expect(await collect(readStreamEvents(store, stream, 8, 3))).toEqual([]);
  });

  it('yields nothing for a stream without events', async () => {
    expect(await collect(readStreamEvents(new MemoryEventStore(), stream))).toEqual([]);
  });
});
