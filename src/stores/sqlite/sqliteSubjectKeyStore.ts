import { DatabaseSync } from 'node:sqlite';
import { StoreUnavailableError, type SubjectKey, type SubjectKeyStore } from '../../core/index.ts';
import { databasePath, unavailableAs, useWal } from './database.ts';

export const SUBJECT_KEYS_FILE = 'subject-keys.sqlite';

const unavailable = unavailableAs('SQLite subject key store');

// Storage format: version with care. A file of its own, beside the log: a copy of the log alone
// (a backup, an export) holds no key, and an erasure rewrites only this small file.
// secure_delete overwrites a deleted key's bytes in the file (https://www.sqlite.org/pragma.html#pragma_secure_delete),
// and a truncating checkpoint after each erasure empties the write-ahead log that still held them.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS subject_keys (
  subject_id TEXT NOT NULL,
  version    TEXT NOT NULL,
  key        BLOB NOT NULL CHECK (length(key) = 32),
  created_at TEXT NOT NULL,
  PRIMARY KEY (subject_id, version)
) WITHOUT ROWID;
`;

export interface SqliteSubjectKeyStoreOptions {
  /** Directory of the database file, created if missing; `:memory:` keeps it in memory. */
  dataDir: string;
}

/** Keys of the embedded store: one per subject (version "1"), created once, deleted by erasure. */
export class SqliteSubjectKeyStore implements SubjectKeyStore {
  readonly kind = 'sqlite';
  readonly path: string;
  private readonly db: DatabaseSync;
  private readonly select;
  private readonly insert;
  private readonly remove;
  private closed = false;

  constructor(options: SqliteSubjectKeyStoreOptions) {
    this.path = databasePath(options.dataDir, SUBJECT_KEYS_FILE);
    this.db = new DatabaseSync(this.path);
    // FULL: a key is on disk before any event sealed with it is acknowledged; losing it would erase that data.
    useWal(this.db, 'FULL');
    this.db.exec('PRAGMA secure_delete = ON');
    this.db.exec(SCHEMA);
    this.select = this.db.prepare('SELECT key FROM subject_keys WHERE subject_id = ? AND version = ?');
    this.insert = this.db.prepare('INSERT INTO subject_keys (subject_id, version, key, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING');
    this.remove = this.db.prepare('DELETE FROM subject_keys WHERE subject_id = ?');
  }

  async current(subjectId: string): Promise<SubjectKey | undefined> {
    const key = await this.find(subjectId, '1');
    return key === undefined ? undefined : { version: '1', key };
  }

  async create(subjectId: string, candidate: Uint8Array): Promise<SubjectKey> {
    // The first writer's key wins; a racing creator reads it back.
    this.guard(() => this.insert.run(subjectId, '1', candidate, new Date().toISOString()));
    const key = await this.find(subjectId, '1');
    if (key === undefined) throw new StoreUnavailableError(`SQLite subject key store lost the key of ${subjectId} it just stored`);
    return { version: '1', key };
  }

  async find(subjectId: string, version: string): Promise<Uint8Array | undefined> {
    const row = this.guard(() => this.select.get(subjectId, version) as { key: Uint8Array } | undefined);
    return row === undefined ? undefined : new Uint8Array(row.key);
  }

  async erase(subjectId: string): Promise<boolean> {
    const { changes } = this.guard(() => this.remove.run(subjectId));
    if (changes === 0) return false;
    this.guard(() => this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)'));
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private guard<T>(work: () => T): T {
    if (this.closed) throw new StoreUnavailableError('SQLite subject key store is closed');
    try {
      return work();
    } catch (error) {
      throw unavailable(error);
    }
  }
}
