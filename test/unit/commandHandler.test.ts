import { describe, expect, it } from 'vitest';
import { ConcurrencyError, handleCommand, loadAggregate, type Decider, type DomainEvent } from '../../src/core/index.ts';
import { MemoryEventStore } from '../../src/stores/memory/memoryEventStore.ts';

// A counter with a cap: small enough to read, with one rule worth refusing.
type CounterEvent = DomainEvent<'Incremented', { by: number }>;
type CounterCommand = { type: 'Increment'; by: number };
class CapExceeded extends Error {}
const counter: Decider<CounterCommand, CounterEvent, { total: number }> = {
  initialState: () => ({ total: 0 }),
  evolve: (state, event) => ({ total: state.total + event.data.by }),
  decide: (command, state) => {
    if (state.total + command.by > 10) throw new CapExceeded(`total would be ${state.total + command.by}`);
    return command.by === 0 ? [] : [{ type: 'Incremented', data: { by: command.by } }];
  },
};
const stream = { aggregateType: 'Counter', aggregateId: 'c1' };

const given = async (events: number[]) => {
  const store = new MemoryEventStore();
  for (const by of events) await handleCommand(store, counter, stream, { type: 'Increment', by }, { region: 'r' });
  return store;
};

describe('handleCommand', () => {
  it('given no events, when incrementing, then the stream starts at version 1', async () => {
    const store = await given([]);
    const result = await handleCommand(store, counter, stream, { type: 'Increment', by: 3 }, { region: 'r' });
    expect(result).toMatchObject({ state: { total: 3 }, version: 1 });
    expect(result.appended?.firstSequence).toBe(1);
  });

  it('given earlier increments, when incrementing, then the state folds them all', async () => {
    const store = await given([1, 2, 3]);
    const result = await handleCommand(store, counter, stream, { type: 'Increment', by: 4 }, { region: 'r' });
    expect(result).toMatchObject({ state: { total: 10 }, version: 4 });
  });

  it('given a decision with no events, nothing is appended', async () => {
    const store = await given([2]);
    const result = await handleCommand(store, counter, stream, { type: 'Increment', by: 0 }, { region: 'r' });
    expect(result).toEqual({ state: { total: 2 }, version: 1 });
  });

  it('given the cap is reached, the domain error reaches the caller and nothing is written', async () => {
    const store = await given([9]);
    await expect(handleCommand(store, counter, stream, { type: 'Increment', by: 2 }, { region: 'r' })).rejects.toBeInstanceOf(CapExceeded);
    expect((await loadAggregate(store, counter, stream)).version).toBe(1);
  });

  it('concurrent commands reload and decide again instead of failing', async () => {
    const store = await given([]);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => handleCommand(store, counter, stream, { type: 'Increment', by: 1 }, { region: 'r', retry: { maxAttempts: 50, baseDelayMs: 1, maxDelayMs: 5 } })),
    );
    expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect((await loadAggregate(store, counter, stream)).state.total).toBe(10);
  });

  it('gives up with the concurrency error after the retry bound', async () => {
    const store = await given([]);
    const racing = Object.assign(Object.create(store) as MemoryEventStore, {
      append: async () => {
        throw new ConcurrencyError('Counter-c1', 0, 1);
      },
    });
    await expect(
      handleCommand(racing, counter, stream, { type: 'Increment', by: 1 }, { region: 'r', retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 } }),
    ).rejects.toBeInstanceOf(ConcurrencyError);
  });

  it('loads a stream longer than one page', async () => {
    const store = new MemoryEventStore();
    await store.append({
      stream,
      expectedVersion: 'no_stream',
      events: Array.from({ length: 100 }, (_, i) => ({ id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, type: 'Incremented', schemaVersion: 1, data: { by: 0.5 }, metadata: {} })),
      region: 'r',
    });
    for (let i = 0; i < 25; i++) await store.append({ stream, expectedVersion: 'any', events: Array.from({ length: 100 }, (_, j) => ({ id: `00000000-0000-4000-9${String(i).padStart(3, '0')}-${String(j).padStart(12, '0')}`, type: 'Incremented', schemaVersion: 1, data: { by: 0 }, metadata: {} })), region: 'r' });
    const loaded = await loadAggregate(store, counter, stream);
    expect(loaded.version).toBe(2600);
    expect(loaded.state.total).toBe(50);
  });
});
