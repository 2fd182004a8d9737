import {
  loadAggregate,
  Snapshots,
  type Decider,
  type DomainEvent,
  type StreamRef,
} from '../../../src/core/index.ts';
import { SqliteEventStore } from '../../../src/stores/sqlite/sqliteEventStore.ts';
import { SqliteSnapshotStore } from '../../../src/stores/sqlite/sqliteSnapshotStore.ts';
import { fill } from '../fill.ts';
import type { Contender } from '../measure.ts';
import { runSerially } from '../measure.ts';

type Ticked = DomainEvent<'Ticked', { n: number }>;
interface Tally {
  total: number;
  count: number;
}

const withSnapshots: Decider<never, Ticked, Tally> = {
  initialState: () => ({ total: 0, count: 0 }),
  evolve: (state, event) => ({ total: state.total + event.data.n, count: state.count + 1 }),
  decide: () => [],
  snapshot: { schemaVersion: 1, every: 100 },
};
const withoutSnapshots: Decider<never, Ticked, Tally> = { ...withSnapshots, snapshot: undefined };

export interface AggregateLoads {
  short: Contender;
  longWithSnapshot: Contender;
  longWithoutSnapshot: Contender;
  close(): Promise<void>;
}

/**
 * A stream of `shortLength` events and one of `longLength` whose snapshot was taken `tail` events
 * before its end (as the policy would leave it), all in SQLite files. Each load is what a command
 * handler does before deciding.
 */
export const aggregateLoads = async (dir: string, shortLength: number, longLength: number, tail: number): Promise<AggregateLoads> => {
  const store = new SqliteEventStore({ dataDir: dir });
  const snapshotStore = new SqliteSnapshotStore({ dataDir: dir });
  const snapshots = new Snapshots(snapshotStore, { onError: (error) => { throw error; } });
  const short: StreamRef = { aggregateType: 'Bench', aggregateId: 'short' };
  const long: StreamRef = { aggregateType: 'Bench', aggregateId: 'long' };

  await fill(store, shortLength, () => short);
  await fill(store, longLength - tail, () => long);
  const upToSnapshot = await loadAggregate(store, withoutSnapshots, long);
  snapshots.save('Bench-long', withSnapshots.snapshot!, upToSnapshot.state, upToSnapshot.version);
  await snapshots.idle();
  await fill(store, tail, () => long);

  const loader = (decider: Decider<never, Ticked, Tally>, stream: StreamRef, length: number) => async () => {
    const loaded = await loadAggregate(store, decider, stream, { snapshots });
    if (loaded.version !== length) throw new Error(`loaded version ${loaded.version}, expected ${length}`);
    return length;
  };
  return {
    short: { name: `aggregate-load, ${shortLength} events`, round: (ms) => runSerially(ms, loader(withoutSnapshots, short, shortLength)) },
    longWithSnapshot: { name: `aggregate-load, ${longLength} events + snapshot`, round: (ms) => runSerially(ms, loader(withSnapshots, long, longLength)) },
    longWithoutSnapshot: { name: `aggregate-load, ${longLength} events, no snapshot`, round: (ms) => runSerially(ms, loader(withoutSnapshots, long, longLength), 2) },
    close: async () => {
      await store.close();
      await snapshotStore.close();
    },
  };
};
