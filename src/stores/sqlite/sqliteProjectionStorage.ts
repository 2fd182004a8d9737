import { randomUUID } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import {
  ConsumerState,
  deepFreeze,
  StoreUnavailableError,
  type CheckpointStore,
  type ConsumerGroupStore,
  type JsonObject,
  type ProjectionStorage,
  type StoredConsumerState,
  type StoredViewDocument,
  type ViewDocument,
  type ViewRef,
  type ViewQueryStore,
  type ViewStore,
  type ViewWrite,
  type WriteCondition,
} from '../../core/index.ts';
import { databasePath, unavailableAs, useWal } from './database.ts';
import { GroupCommit } from './groupCommit.ts';
import { sqliteGroupStore } from './groupStore.ts';
import { sqliteViewQueries } from './viewQueries.ts';

// Storage format of a region's views file. Views can always be rebuilt from the log, so commits
// need not survive a power loss (synchronous=NORMAL); WAL still keeps them in order, so a checkpoint
// that survives implies the view writes before it did.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS view_documents (
  view       TEXT NOT NULL,
  key        TEXT NOT NULL,
  data       TEXT,
  positions  TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  etag       TEXT NOT NULL,
  PRIMARY KEY (view, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS projection_states (
  projection TEXT PRIMARY KEY,
  state      TEXT NOT NULL,
  etag       TEXT NOT NULL
) WITHOUT ROWID;
`;

/** `views-{region}.sqlite`: each region builds its own views, even over one shared log file. */
export const viewsFileName = (region: string): string => `views-${region}.sqlite`;

interface DocumentRow {
  view: string;
  key: string;
  data: string | null;
  positions: string;
  updated_at: string;
  etag: string;
}

const unavailable = unavailableAs('SQLite views');

const toDocument = (row: DocumentRow): StoredViewDocument => ({
  view: row.view,
  key: row.key,
  data: row.data === null ? null : (JSON.parse(row.data) as JsonObject),
  positions: JSON.parse(row.positions) as Record<string, number>,
  updatedAt: row.updated_at,
  etag: row.etag,
});

export interface SqliteProjectionStorageOptions {
  /** Directory of the views file, created if missing; `:memory:` keeps it in memory. */
  dataDir: string;
  region: string;
}

/** A region's views and projection checkpoints in one SQLite file, separate from the log. */
export class SqliteProjectionStorage implements ProjectionStorage {
  readonly path: string;
  readonly views: ViewStore;
  readonly checkpoints: CheckpointStore;
  readonly queries: ViewQueryStore;
  readonly groups: ConsumerGroupStore;
  private readonly db: DatabaseSync;
  private readonly writes: GroupCommit;
  private closed = false;

  constructor(options: SqliteProjectionStorageOptions) {
    this.path = databasePath(options.dataDir, viewsFileName(options.region));
    this.db = new DatabaseSync(this.path);
    useWal(this.db, 'NORMAL');
    // Views may hold personal data until an erasure rewrites them or a rebuild replaces them: what a
    // rewrite or a drop frees is overwritten, not left in the file (docs/lifecycle.md, "Erasure of personal data").
    this.db.exec('PRAGMA secure_delete = ON');
    this.db.exec(SCHEMA);
    // Concurrent writes of one batch commit together: one transaction for many documents.
    this.writes = new GroupCommit(this.db, { maxBatch: 1024, onTransactionError: unavailable });
    this.views = this.viewStore();
    this.checkpoints = this.checkpointStore();
    this.queries = sqliteViewQueries(this.db, (work) => this.guard(work));
    this.groups = sqliteGroupStore(this.db, { guard: (work) => this.guard(work), write: (work) => this.write(work) });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.writes.flush();
    this.db.close();
  }

  private guard<T>(work: () => T): T {
    if (this.closed) throw new StoreUnavailableError('SQLite views are closed');
    try {
      return work();
    } catch (error) {
      throw unavailable(error);
    }
  }

  /**
   * Joins the next group commit. A single statement needs no savepoint (SQLite backs a failed one out
   * by itself); work of several statements gets one, so it is written whole or not at all.
   */
  private write<T>(work: () => T, savepoint = false): Promise<T> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('SQLite views are closed'));
    return this.writes.submit(
      () => {
        try {
          return work();
        } catch (error) {
          throw unavailable(error);
        }
      },
      { savepoint },
    );
  }

  private viewStore(): ViewStore {
    const select = this.db.prepare('SELECT view, key, data, positions, updated_at, etag FROM view_documents WHERE view = ? AND key = ?');
    // The body only when the version differs: an unchanged document costs no copy and no parse.
    const selectIfChanged = this.db.prepare(
      'SELECT view, key, CASE WHEN etag = ? THEN NULL ELSE data END AS data, CASE WHEN etag = ? THEN NULL ELSE positions END AS positions, updated_at, etag FROM view_documents WHERE view = ? AND key = ?',
    );
    const insert = this.db.prepare(
      'INSERT INTO view_documents (view, key, data, positions, updated_at, etag) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    );
    const update = this.db.prepare(
      'UPDATE view_documents SET data = ?, positions = ?, updated_at = ?, etag = ? WHERE view = ? AND key = ? AND etag = ?',
    );
    const remove = this.db.prepare('DELETE FROM view_documents WHERE view = ? AND key = ?');
    // JSON and the new etag are made outside the transaction, so the commit holds the file only to write.
    const serialized = (document: ViewDocument) => ({
      document,
      data: document.data === null ? null : JSON.stringify(document.data),
      positions: JSON.stringify(document.positions),
      etag: randomUUID(),
    });
    const conditionalWrite = ({ document, data, positions, etag }: ReturnType<typeof serialized>, condition: WriteCondition): string | undefined => {
      const result =
        'absent' in condition
          ? insert.run(document.view, document.key, data, positions, document.updatedAt, etag)
          : update.run(data, positions, document.updatedAt, etag, document.view, document.key, condition.etag);
      return result.changes === 1 ? etag : undefined;
    };
    const drop = this.db.prepare('DELETE FROM view_documents WHERE view = ?');
    const read = (view: string, key: string): StoredViewDocument | undefined => {
      const row = select.get(view, key) as DocumentRow | undefined;
      return row === undefined ? undefined : toDocument(row);
    };
    return {
      kind: 'sqlite',
      get: async (view, key) => this.guard(() => read(view, key)),
      getIfChanged: async (view, key, etag) =>
        this.guard(() => {
          const row = selectIfChanged.get(etag, etag, view, key) as DocumentRow | undefined;
          if (row === undefined) return undefined;
          return row.etag === etag ? 'unchanged' : toDocument(row);
        }),
      getMany: async (refs: readonly ViewRef[]) => this.guard(() => refs.map(({ view, key }) => read(view, key))),
      put: (document: ViewDocument, condition: WriteCondition) => {
        const write = serialized(document);
        return this.write(() => conditionalWrite(write, condition));
      },
      putMany: (writes: readonly ViewWrite[]) => {
        const prepared = writes.map(({ document, condition }) => [serialized(document), condition] as const);
        return this.write(() => prepared.map(([write, condition]) => conditionalWrite(write, condition)), true);
      },
      delete: (view, key) => this.write(() => void remove.run(view, key)),
      dropView: (view) => this.write(() => void drop.run(view)),
    };
  }

  private checkpointStore(): CheckpointStore {
    const selectEtag = this.db.prepare('SELECT etag FROM projection_states WHERE projection = ?');
    const select = this.db.prepare('SELECT state, etag FROM projection_states WHERE projection = ?');
    const insert = this.db.prepare('INSERT INTO projection_states (projection, state, etag) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
    const update = this.db.prepare('UPDATE projection_states SET state = ?, etag = ? WHERE projection = ? AND etag = ?');
    // Records are read before every batch and by every listing: one still at the etag last parsed is not parsed again.
    const parsed = new Map<string, StoredConsumerState>();
    return {
      get: async (projection): Promise<StoredConsumerState | undefined> =>
        this.guard(() => {
          const etag = (selectEtag.get(projection) as { etag: string } | undefined)?.etag;
          if (etag === undefined) return undefined;
          const known = parsed.get(projection);
          if (known?.etag === etag) return known;
          const row = select.get(projection) as { state: string; etag: string } | undefined;
          if (row === undefined) return undefined;
          const stored = { state: deepFreeze(ConsumerState.parse(JSON.parse(row.state))), etag: row.etag };
          parsed.set(projection, stored);
          return stored;
        }),
      put: (state, condition) => {
        const json = JSON.stringify(state);
        const etag = randomUUID();
        return this.write(() => {
          const result =
            'absent' in condition ? insert.run(state.consumer, json, etag) : update.run(json, etag, state.consumer, condition.etag);
          if (result.changes !== 1) return undefined;
          // What was just written is what the next read would parse.
          parsed.set(state.consumer, { state: deepFreeze(structuredClone(state)), etag });
          return etag;
        });
      },
    };
  }
}
