import { describe, expect, it } from 'vitest';
import {
  createUpcasters,
  handleCommand,
  loadAggregate,
  noUpcasters,
  type Decider,
  type DomainEvent,
  type EventEnvelope,
} from '../../src/core/index.ts';
import { MemoryEventStore } from '../../src/stores/memory/memoryEventStore.ts';

const envelope = (type: string, schemaVersion: number, data: Record<string, unknown>): EventEnvelope => ({
  id: 'e1',
  streamId: 'User-u1',
  aggregateType: 'User',
  aggregateId: 'u1',
  sequence: 1,
  type,
  schemaVersion,
  data,
  metadata: {},
  recordedAt: '2026-01-01T00:00:00.000Z',
  region: 'test',
});

// v1 {name}  ->  v2 {fullName}  ->  v3 {firstName, lastName}
const userUpcasters = createUpcasters([
  { type: 'UserRegistered', fromVersion: 1, upcast: (data) => ({ fullName: data.name }) },
  {
    type: 'UserRegistered',
    fromVersion: 2,
    upcast: (data) => {
      const [firstName = '', ...rest] = String(data.fullName).split(' ');
      return { firstName, lastName: rest.join(' ') };
    },
  },
]);

describe('upcasting', () => {
  it('lifts an old event step by step to the current shape and version, leaving the stored event as it was', () => {
    const stored = envelope('UserRegistered', 1, { name: 'Ada Lovelace' });
    const lifted = userUpcasters.upcast(stored);
    expect(lifted).toMatchObject({ type: 'UserRegistered', schemaVersion: 3, data: { firstName: 'Ada', lastName: 'Lovelace' }, id: 'e1', sequence: 1 });
    expect(stored).toEqual(envelope('UserRegistered', 1, { name: 'Ada Lovelace' }));
  });

  it('starts from the version an event was written with', () => {
    expect(userUpcasters.upcast(envelope('UserRegistered', 2, { fullName: 'Grace Hopper' })).data).toEqual({ firstName: 'Grace', lastName: 'Hopper' });
  });

  it('passes current and unknown events through unchanged', () => {
    const current = envelope('UserRegistered', 3, { firstName: 'A', lastName: 'B' });
    const other = envelope('UserRenamed', 1, { x: 1 });
    expect(userUpcasters.upcast(current)).toBe(current);
    expect(userUpcasters.upcast(other)).toBe(other);
    expect(noUpcasters.upcast(other)).toBe(other);
  });

  it('a step may rename the type, and the chain continues under the new name', () => {
    const upcasters = createUpcasters([
      { type: 'CustomerCreated', fromVersion: 1, toType: 'UserRegistered', upcast: (data) => ({ fullName: data.customerName }) },
      { type: 'UserRegistered', fromVersion: 2, upcast: (data) => ({ displayName: data.fullName }) },
    ]);
    expect(upcasters.upcast(envelope('CustomerCreated', 1, { customerName: 'Ada' }))).toMatchObject({
      type: 'UserRegistered',
      schemaVersion: 3,
      data: { displayName: 'Ada' },
    });
    expect(upcasters.currentVersion('UserRegistered')).toBe(3);
  });

  it('knows the version new events are written with', () => {
    expect(userUpcasters.currentVersion('UserRegistered')).toBe(3);
    expect(userUpcasters.currentVersion('UserRenamed')).toBe(1);
  });

  it('refuses two upcasters for one type and version, and invalid declarations, at registration', () => {
    const step = { type: 'A', fromVersion: 1, upcast: (data: Record<string, unknown>) => data };
    expect(() => createUpcasters([step, step])).toThrow(/two upcasters read A version 1/);
    expect(() => createUpcasters([{ ...step, fromVersion: 0 }])).toThrow(/fromVersion/);
    expect(() => createUpcasters([{ ...step, type: 'not a type' }])).toThrow(/not a valid event type/);
  });

  describe('in the command handler', () => {
    type Registered = DomainEvent<'UserRegistered', { firstName: string; lastName: string }>;
    const users: Decider<{ first: string; last: string }, Registered, { names: string[] }> = {
      initialState: () => ({ names: [] }),
      evolve: (state, event) => ({ names: [...state.names, `${event.data.lastName}, ${event.data.firstName}`] }),
      decide: (command) => [{ type: 'UserRegistered', data: { firstName: command.first, lastName: command.last } }],
      upcasters: userUpcasters,
    };
    const stream = { aggregateType: 'User', aggregateId: 'u1' };

    it('evolve sees old events in the current shape, and the log keeps them as written', async () => {
      const store = new MemoryEventStore();
      await store.append({
        stream,
        expectedVersion: 'no_stream',
        events: [
          { id: '00000000-0000-4000-8000-000000000001', type: 'UserRegistered', schemaVersion: 1, data: { name: 'Ada Lovelace' }, metadata: {} },
          { id: '00000000-0000-4000-8000-000000000002', type: 'UserRegistered', schemaVersion: 2, data: { fullName: 'Alan Turing' }, metadata: {} },
        ],
        region: 'test',
      });
      expect((await loadAggregate(store, users, stream)).state.names).toEqual(['Lovelace, Ada', 'Turing, Alan']);
      const slice = await store.readStream(stream, { fromVersion: 1, limit: 10 });
      expect(slice!.events.map((e) => [e.schemaVersion, e.data])).toEqual([
        [1, { name: 'Ada Lovelace' }],
        [2, { fullName: 'Alan Turing' }],
      ]);
    });

    it('new events are written with the current schemaVersion, so they are not lifted again', async () => {
      const store = new MemoryEventStore();
      await handleCommand(store, users, stream, { first: 'Grace', last: 'Hopper' }, { region: 'test' });
      const slice = await store.readStream(stream, { fromVersion: 1, limit: 10 });
      expect(slice!.events[0]).toMatchObject({ schemaVersion: 3, data: { firstName: 'Grace', lastName: 'Hopper' } });
      expect((await loadAggregate(store, users, stream)).state.names).toEqual(['Hopper, Grace']);
    });
  });
});
