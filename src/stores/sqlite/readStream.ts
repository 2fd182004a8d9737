import type { DatabaseSync } from 'node:sqlite';
import type { EventEnvelope, ReadStreamOptions, StreamSlice } from '../../core/index.ts';
import { toEnvelope } from './rows.ts';
import { EVENT_COLUMNS, type EventRow } from './schema.ts';

// '9' sorts after every ISO-8601 timestamp, so "no asOf" needs no second statement.
const END_OF_TIME = '9';

export const prepareReadStream = (db: DatabaseSync) => {
  const version = db.prepare(
    'SELECT coalesce(max(sequence), 0) AS version FROM events WHERE stream_id = ? AND recorded_at <= ?',
  );
  const page = db.prepare(
    `SELECT ${EVENT_COLUMNS} FROM events
     WHERE stream_id = ? AND sequence >= ? AND sequence <= ? AND recorded_at <= ?
     ORDER BY sequence LIMIT ?`,
  );
  const byIds = db.prepare(
    `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? AND id IN (SELECT value FROM json_each(?)) ORDER BY sequence`,
  );

  return {
    readStream(streamId: string, options: ReadStreamOptions): StreamSlice | undefined {
      const asOf = options.asOf ?? END_OF_TIME;
      const current = (version.get(streamId, asOf) as { version: number }).version;
      if (current === 0) return undefined;
      const rows = page.all(
        streamId,
        options.fromVersion,
        options.toVersion ?? Number.MAX_SAFE_INTEGER,
        asOf,
        options.limit,
      ) as unknown as EventRow[];
      return { version: current, events: rows.map(toEnvelope) };
    },
    readEventsById(streamId: string, ids: string[]): EventEnvelope[] {
      return (byIds.all(streamId, JSON.stringify(ids)) as unknown as EventRow[]).map(toEnvelope);
    },
  };
};
