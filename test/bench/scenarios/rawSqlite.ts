import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { newEventId } from '../../../src/core/index.ts';
import { openSchema } from '../../../src/stores/sqlite/schema.ts';
import type { Contender } from '../measure.ts';
import { runSerially } from '../measure.ts';

/**
 * The layout before time-ordered ids: random (v4) ids under an index led by stream_id, so every
 * insert lands on a random page of that index. Kept to show what the current layout saves.
 */
const RANDOM_ID_LAYOUT = `
CREATE TABLE events (
  position INTEGER PRIMARY KEY AUTOINCREMENT, stream_id TEXT NOT NULL, aggregate_type TEXT NOT NULL, aggregate_id TEXT NOT NULL,
  sequence INTEGER NOT NULL CHECK (sequence >= 1), id TEXT NOT NULL, type TEXT NOT NULL, schema_version INTEGER NOT NULL,
  data TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at TEXT NOT NULL, region TEXT NOT NULL,
  UNIQUE (stream_id, sequence), UNIQUE (stream_id, id)
);`;

/**
 * The disk's limit: plain `node:sqlite` inserts into the event store's own table, opened with the
 * store's own pragmas (WAL, synchronous=FULL), `rowsPerTransaction` rows per BEGIN IMMEDIATE…COMMIT
 * as group commit would batch them. No savepoints, no version check, no promises: only the database.
 * With `randomIds`, the layout the store had before time-ordered ids (same pragmas).
 */
export const rawSqlite = (name: string, dir: string, streams: number, rowsPerTransaction: number, randomIds = false): Contender & { close(): void } => {
  const db = new DatabaseSync(join(dir, 'raw.sqlite'));
  if (randomIds) db.exec(RANDOM_ID_LAYOUT); // openSchema then leaves the table as it is
  openSchema(db);
  const newId = randomIds ? randomUUID : newEventId;
  const insert = db.prepare(
    `INSERT INTO events (stream_id, aggregate_type, aggregate_id, sequence, id, type, schema_version, data, metadata, recorded_at, region)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const sequences = new Array<number>(streams).fill(0);
  let next = 0;
  const transaction = (): number => {
    const recordedAt = new Date().toISOString();
    db.exec('BEGIN IMMEDIATE');
    for (let row = 0; row < rowsPerTransaction; row++) {
      const stream = next++ % streams;
      insert.run(`Bench-w${stream}`, 'Bench', `w${stream}`, ++sequences[stream]!, newId(), 'Ticked', 1, JSON.stringify({ n: row }), JSON.stringify({}), recordedAt, 'local');
    }
    db.exec('COMMIT');
    return rowsPerTransaction;
  };
  return { name, round: (durationMs) => runSerially(durationMs, transaction), close: () => db.close() };
};
