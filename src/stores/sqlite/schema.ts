import type { DatabaseSync } from 'node:sqlite';
import { useWal } from './database.ts';

// Storage format of the embedded log: version with care.
// UNIQUE(stream_id, sequence) is what turns two writers of one position into a conflict;
// UNIQUE(id, stream_id) keeps an event id once per stream, as Cosmos DB does per partition; ids lead
// the key because new ids are time-ordered, so each commit writes to the index's last pages only.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position       INTEGER PRIMARY KEY AUTOINCREMENT,
  stream_id      TEXT    NOT NULL,
  aggregate_type TEXT    NOT NULL,
  aggregate_id   TEXT    NOT NULL,
  sequence       INTEGER NOT NULL CHECK (sequence >= 1),
  id             TEXT    NOT NULL,
  type           TEXT    NOT NULL,
  schema_version INTEGER NOT NULL,
  data           TEXT    NOT NULL,
  metadata       TEXT    NOT NULL,
  recorded_at    TEXT    NOT NULL,
  region         TEXT    NOT NULL,
  UNIQUE (stream_id, sequence),
  UNIQUE (id, stream_id)
);
`;

/**
 * WAL lets readers (other regions' hosts, tools) run beside the writer. synchronous=FULL syncs the
 * WAL at every commit, so an acknowledged append survives a power loss, not only a process crash;
 * group commit pays that sync once for many requests.
 */
export const openSchema = (db: DatabaseSync): void => {
  useWal(db, 'FULL');
  db.exec('PRAGMA foreign_keys = ON');
  db.exec(SCHEMA);
};

export interface EventRow {
  position: number;
  stream_id: string;
  aggregate_type: string;
  aggregate_id: string;
  sequence: number;
  id: string;
  type: string;
  schema_version: number;
  data: string;
  metadata: string;
  recorded_at: string;
  region: string;
}

export const EVENT_COLUMNS =
  'position, stream_id, aggregate_type, aggregate_id, sequence, id, type, schema_version, data, metadata, recorded_at, region';
