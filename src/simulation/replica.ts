import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import {
  StoreUnavailableError,
  type AppendRequest,
  type AppendResult,
  type EventEnvelope,
  type EventStore,
  type GlobalLog,
  type PositionedEvent,
  type ReadStreamOptions,
  type StreamInfo,
  type StreamRef,
  type StreamSlice,
} from '../core/index.ts';
import { toEnvelope, toPositionedEvent } from '../stores/sqlite/rows.ts';
import { EVENT_COLUMNS, openSchema, type EventRow } from '../stores/sqlite/schema.ts';
import { EVENTS_FILE, SqliteEventStore } from '../stores/sqlite/sqliteEventStore.ts';

// One region's copy of the log: the product's SQLite store for everything the API does, plus a second
// connection to the same file for what only replication does (insert an event with its original id,
// sequence, recordedAt and region; roll a forked stream back). Both connections run each transaction
// synchronously, so on one thread they never overlap; WAL lets each see the other's commits at once.

const REPLICATION_SCHEMA = `
CREATE TABLE IF NOT EXISTS replica_lost (
  stream_id TEXT NOT NULL,
  copy      TEXT NOT NULL,
  PRIMARY KEY (stream_id, copy)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS replica_cursors (
  origin   TEXT PRIMARY KEY,
  position INTEGER NOT NULL
) WITHOUT ROWID;
`;

/**
 * Names one copy of an event: its id where and when a region recorded it. A reconciled event keeps its
 * id but is recorded again (elsewhere in its stream, or at the same place by another region), so the
 * copy that was lost is never mistaken for the one that replaced it.
 */
export const copyKey = (event: Pick<EventEnvelope, 'id' | 'sequence' | 'region' | 'recordedAt'>): string =>
  `${event.id}@${event.sequence}@${event.region}@${event.recordedAt}`;

/** An event as the region that accepted it ships it to the others. */
export interface ShippedEvent {
  event: EventEnvelope;
  /** Where it sits in the origin's log: the receiver's replication cursor for that origin. */
  originPosition: number;
  /** Copy key of the event before it in its stream at the origin: what it was decided on top of. */
  previous?: string;
}

/** What replication may do to a replica, inside one of its transactions. */
export interface ReplicaTransaction {
  eventAt(streamId: string, sequence: number): EventEnvelope | undefined;
  isLost(streamId: string, copy: string): boolean;
  markLost(event: EventEnvelope): void;
  /** Deletes the stream's events from `sequence` on, remembers them as lost, returns them in sequence order. */
  removeFrom(streamId: string, sequence: number): EventEnvelope[];
  /** Inserts an event exactly as it was recorded elsewhere; its global position here is new. */
  insert(event: EventEnvelope): void;
  setCursor(origin: string, position: number): void;
}

export interface RegionReplicaOptions {
  region: string;
  /** Directory of the region's SQLite files; created if missing. */
  dataDir: string;
}

interface ReplicationStatements {
  eventAt: StatementSync;
  isLost: StatementSync;
  markLost: StatementSync;
  tail: StatementSync;
  removeFrom: StatementSync;
  insert: StatementSync;
  cursor: StatementSync;
  setCursor: StatementSync;
  originPage: StatementSync;
  allEvents: StatementSync;
}

const prepareReplication = (db: DatabaseSync): ReplicationStatements => ({
  eventAt: db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? AND sequence = ?`),
  isLost: db.prepare('SELECT 1 AS lost FROM replica_lost WHERE stream_id = ? AND copy = ?'),
  markLost: db.prepare('INSERT INTO replica_lost (stream_id, copy) VALUES (?, ?) ON CONFLICT DO NOTHING'),
  tail: db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? AND sequence >= ? ORDER BY sequence`),
  removeFrom: db.prepare('DELETE FROM events WHERE stream_id = ? AND sequence >= ?'),
  insert: db.prepare(
    `INSERT INTO events (stream_id, aggregate_type, aggregate_id, sequence, id, type, schema_version, data, metadata, recorded_at, region)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ),
  cursor: db.prepare('SELECT position FROM replica_cursors WHERE origin = ?'),
  setCursor: db.prepare(
    'INSERT INTO replica_cursors (origin, position) VALUES (?, ?) ON CONFLICT (origin) DO UPDATE SET position = excluded.position',
  ),
  originPage: db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE region = ? AND position > ? ORDER BY position LIMIT ?`),
  allEvents: db.prepare(`SELECT ${EVENT_COLUMNS} FROM events ORDER BY stream_id, sequence`),
});

/** A region's replica of the log: an EventStore and GlobalLog for the region, and a target of replication. */
export class RegionReplica implements EventStore, GlobalLog {
  readonly kind = 'sqlite';
  readonly region: string;
  private readonly store: SqliteEventStore;
  private readonly db: DatabaseSync;
  private readonly sql: ReplicationStatements;
  private readonly listeners = new Set<() => void>();
  private closed = false;

  constructor(options: RegionReplicaOptions) {
    this.region = options.region;
    mkdirSync(options.dataDir, { recursive: true });
    this.store = new SqliteEventStore({ dataDir: options.dataDir });
    this.db = new DatabaseSync(join(options.dataDir, EVENTS_FILE));
    openSchema(this.db);
    this.db.exec(REPLICATION_SCHEMA);
    this.sql = prepareReplication(this.db);
  }

  /** Calls `listener` after every change of this replica (local append or replication); returns its removal. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    const result = await this.store.append(request);
    this.notify();
    return result;
  }

  readStream(stream: StreamRef, options: ReadStreamOptions): Promise<StreamSlice | undefined> {
    return this.store.readStream(stream, options);
  }

  readEventsById(stream: StreamRef, ids: string[]): Promise<EventEnvelope[]> {
    return this.store.readEventsById(stream, ids);
  }

  getStreamInfo(stream: StreamRef): Promise<StreamInfo | undefined> {
    return this.store.getStreamInfo(stream);
  }

  readAll(afterPosition: number, limit: number): Promise<PositionedEvent[]> {
    return this.store.readAll(afterPosition, limit);
  }

  headPosition(): Promise<number> {
    return this.store.headPosition();
  }

  positionOf(streamId: string, sequence: number): Promise<number | undefined> {
    return this.store.positionOf(streamId, sequence);
  }

  ping(): Promise<void> {
    return this.store.ping();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.store.close();
    this.db.close();
  }

  /** How far this replica has applied the events accepted by `origin` (a position in the origin's log). */
  cursor(origin: string): number {
    return this.guard(() => (this.sql.cursor.get(origin) as { position: number } | undefined)?.position ?? 0);
  }

  /**
   * Events this region accepted itself, after `afterPosition` in its log, in commit order, each with the
   * copy it was decided on top of. Stops before the first event recorded after `recordedUpTo` (the
   * replication lag), so what is shipped is always a prefix.
   */
  shipments(afterPosition: number, limit: number, recordedUpTo: string): ShippedEvent[] {
    return this.guard(() => {
      const rows = this.sql.originPage.all(this.region, afterPosition, limit) as unknown as EventRow[];
      const shipped: ShippedEvent[] = [];
      for (const row of rows) {
        if (row.recorded_at > recordedUpTo) break;
        const previous = row.sequence > 1 ? this.eventAt(row.stream_id, row.sequence - 1) : undefined;
        shipped.push({
          event: toEnvelope(row),
          originPosition: row.position,
          ...(previous === undefined ? {} : { previous: copyKey(previous) }),
        });
      }
      return shipped;
    });
  }

  /** Events `origin` accepted that are in this replica, in this replica's commit order. */
  acceptedBy(origin: string, afterPosition = 0): PositionedEvent[] {
    return this.guard(() =>
      (this.sql.originPage.all(origin, afterPosition, Number.MAX_SAFE_INTEGER) as unknown as EventRow[]).map(toPositionedEvent),
    );
  }

  /** Every event, by stream and sequence: for checks and tests, not for serving. */
  allEvents(): EventEnvelope[] {
    return this.guard(() => (this.sql.allEvents.all() as unknown as EventRow[]).map(toEnvelope));
  }

  /** Runs replication work in one write transaction; listeners hear of it once it committed. */
  transact<T>(work: (tx: ReplicaTransaction) => T): T {
    return this.guard(() => {
      let changed = false;
      const tx: ReplicaTransaction = {
        eventAt: (streamId, sequence) => this.eventAt(streamId, sequence),
        isLost: (streamId, copy) => this.sql.isLost.get(streamId, copy) !== undefined,
        markLost: (event) => void this.sql.markLost.run(event.streamId, copyKey(event)),
        removeFrom: (streamId, sequence) => {
          const removed = (this.sql.tail.all(streamId, sequence) as unknown as EventRow[]).map(toEnvelope);
          if (removed.length === 0) return removed;
          this.sql.removeFrom.run(streamId, sequence);
          for (const event of removed) this.sql.markLost.run(streamId, copyKey(event));
          changed = true;
          return removed;
        },
        insert: (event) => {
          this.sql.insert.run(
            event.streamId,
            event.aggregateType,
            event.aggregateId,
            event.sequence,
            event.id,
            event.type,
            event.schemaVersion,
            JSON.stringify(event.data),
            JSON.stringify(event.metadata),
            event.recordedAt,
            event.region,
          );
          changed = true;
        },
        setCursor: (origin, position) => void this.sql.setCursor.run(origin, position),
      };
      this.db.exec('BEGIN IMMEDIATE');
      let result: T;
      try {
        result = work(tx);
        this.db.exec('COMMIT');
      } catch (error) {
        if (this.db.isTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
      if (changed) this.notify();
      return result;
    });
  }

  /** The event at a place of a stream, if any. */
  eventAt(streamId: string, sequence: number): EventEnvelope | undefined {
    return this.guard(() => {
      const row = this.sql.eventAt.get(streamId, sequence) as EventRow | undefined;
      return row === undefined ? undefined : toEnvelope(row);
    });
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }

  private guard<T>(work: () => T): T {
    if (this.closed) throw new StoreUnavailableError(`replica of region ${this.region} is closed`);
    return work();
  }
}
