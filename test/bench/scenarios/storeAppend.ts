import { appendEvents } from '../../../src/core/index.ts';
import { SqliteEventStore } from '../../../src/stores/sqlite/sqliteEventStore.ts';
import type { Contender } from '../measure.ts';
import { runWriters } from '../measure.ts';

/**
 * The embedded store through its API: `writers` concurrent writers, each appending `eventsPerAppend`
 * events at a time to its own stream with the expected version it last saw (optimistic concurrency).
 */
export const storeAppend = (name: string, dir: string, writers: number, eventsPerAppend: number): Contender & { close(): Promise<void>; store: SqliteEventStore } => {
  const store = new SqliteEventStore({ dataDir: dir });
  const versions = new Array<number>(writers).fill(0);
  const append = async (writer: number): Promise<number> => {
    const result = await appendEvents(store, {
      stream: { aggregateType: 'Bench', aggregateId: `w${writer}` },
      expectedVersion: versions[writer] === 0 ? 'no_stream' : versions[writer]!,
      events: Array.from({ length: eventsPerAppend }, (_, n) => ({ type: 'Ticked', data: { n } })),
      region: 'local',
    });
    versions[writer] = result.version;
    return eventsPerAppend;
  };
  return { name, store, round: (durationMs) => runWriters(writers, durationMs, append), close: () => store.close() };
};
