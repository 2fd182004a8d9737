import { DatabaseSync } from 'node:sqlite';
import { StoreUnavailableError, type Snapshot, type SnapshotStore } from '../../core/index.ts';
import { databasePath, unavailableAs, useWal } from './database.ts';

export const SNAPSHOTS_FILE = 'snapshots.sqlite';

const unavailable = unavailableAs('SQLite snapshot store');

// A file of its own: snapshot writes never wait for (or hold) the event log's write lock, and
// synchronous=NORMAL is enough for a cache that the log can always rebuild.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS snapshots (
  stream_id      TEXT    NOT NULL,
  name           TEXT    NOT NULL,
  schema_version INTEGER NOT NULL,
  version        INTEGER NOT NULL,
  state          TEXT    NOT NULL,
  taken_at       TEXT    NOT NULL,
  PRIMARY KEY (stream_id, name)
) WITHOUT ROWID;
`;

interface SnapshotRow {
  stream_id: string;
  name: string;
  schema_version: number;
  version: number;
  state: string;
  taken_at: string;
}

export interface SqliteSnapshotStoreOptions {
  /** Directory of the database file, created if missing; `:memory:` keeps it in memory. */
  dataDir: string;
}

export class SqliteSnapshotStore implements SnapshotStore {
  readonly kind = 'sqlite';
  readonly path: string;
  private readonly db: DatabaseSync;
  private readonly select;
  private readonly upsert;
  private closed = false;

  constructor(options: SqliteSnapshotStoreOptions) {
    this.path = databasePath(options.dataDir, SNAPSHOTS_FILE);
    this.db = new DatabaseSync(this.path);
    useWal(this.db, 'NORMAL');
    this.db.exec(SCHEMA);
    this.select = this.db.prepare('SELECT * FROM snapshots WHERE stream_id = ? AND name = ?');
    this.upsert = this.db.prepare(
      `INSERT INTO snapshots (stream_id, name, schema_version, version, state, taken_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (stream_id, name) DO UPDATE SET
         schema_version = excluded.schema_version, version = excluded.version, state = excluded.state, taken_at = excluded.taken_at`,
    );
  }

  async read(streamId: string, name: string): Promise<Snapshot | undefined> {
    const row = this.guard(() => this.select.get(streamId, name) as SnapshotRow | undefined);
    if (row === undefined) return undefined;
    return {
      streamId: row.stream_id,
      name: row.name,
      schemaVersion: row.schema_version,
      version: row.version,
      state: JSON.parse(row.state) as unknown,
      takenAt: row.taken_at,
    };
  }

  async write(snapshot: Snapshot): Promise<void> {
    const state = JSON.stringify(snapshot.state) ?? 'null';
    this.guard(() =>
      this.upsert.run(snapshot.streamId, snapshot.name, snapshot.schemaVersion, snapshot.version, state, snapshot.takenAt),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private guard<T>(work: () => T): T {
    if (this.closed) throw new StoreUnavailableError('SQLite snapshot store is closed');
    try {
      return work();
    } catch (error) {
      throw unavailable(error);
    }
  }
}
