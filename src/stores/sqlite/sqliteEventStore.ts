import { DatabaseSync, type StatementSync } from 'node:sqlite';
import {
  EventLogError,
  StoreUnavailableError,
  streamIdOf,
  type AppendRequest,
  type ArchiveRecord,
  type ArchiveRecordCondition,
  type StoredArchiveRecord,
  type StreamArchiveStore,
  type AppendResult,
  type EventEnvelope,
  type EventStore,
  type GlobalLog,
  type PositionedEvent,
  type ReadStreamOptions,
  type StreamInfo,
  type StreamRef,
  type StreamSlice,
} from '../../core/index.ts';
import { appendToStream, prepareAppend } from './appendToStream.ts';
import { databasePath, unavailableAs } from './database.ts';
import { GroupCommit, type GroupCommitStats } from './groupCommit.ts';
import { prepareReadAll } from './readAll.ts';
import { prepareReadStream } from './readStream.ts';
import { openSchema } from './schema.ts';
import { prepareStreamArchive } from './streamArchive.ts';
import { prepareStreamInfo } from './streamInfo.ts';

export const EVENTS_FILE = 'events.sqlite';

export interface SqliteEventStoreOptions {
  /** Directory of the database file, created if missing; `:memory:` keeps it in memory. */
  dataDir: string;
  maxBatch?: number;
}

const unavailable = unavailableAs('SQLite store');

export class SqliteEventStore implements EventStore, GlobalLog, StreamArchiveStore {
  readonly kind = 'sqlite';
  readonly path: string;
  private readonly db: DatabaseSync;
  private readonly writes: GroupCommit;
  private readonly appends: ReturnType<typeof prepareAppend>;
  private readonly reads: ReturnType<typeof prepareReadStream>;
  private readonly info: ReturnType<typeof prepareStreamInfo>;
  private readonly log: ReturnType<typeof prepareReadAll>;
  private readonly probe: StatementSync;
  private readonly archive: ReturnType<typeof prepareStreamArchive>;
  private closed = false;

  constructor(options: SqliteEventStoreOptions) {
    this.path = databasePath(options.dataDir, EVENTS_FILE);
    this.db = new DatabaseSync(this.path);
    openSchema(this.db);
    this.reads = prepareReadStream(this.db);
    this.info = prepareStreamInfo(this.db);
    this.log = prepareReadAll(this.db);
    this.appends = prepareAppend(this.db);
    this.probe = this.db.prepare('SELECT 1');
    this.archive = prepareStreamArchive(this.db);
    this.writes = new GroupCommit(this.db, { maxBatch: options.maxBatch ?? 512, onTransactionError: unavailable });
  }

  /** Transactions committed and requests they carried: requests / transactions is the group size. */
  get commitStats(): Readonly<GroupCommitStats> {
    return this.writes.stats;
  }

  append(request: AppendRequest): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('SQLite store is closed'));
    const work = (): AppendResult => {
      try {
        return appendToStream(this.appends, request, new Date().toISOString());
      } catch (error) {
        throw error instanceof EventLogError ? error : unavailable(error);
      }
    };
    // A one-event append is one INSERT, which SQLite backs out by itself when it fails: no savepoint needed.
    return this.writes.submit(work, { savepoint: request.events.length > 1 });
  }

  async readStream(stream: StreamRef, options: ReadStreamOptions): Promise<StreamSlice | undefined> {
    return this.guard(() => this.reads.readStream(streamIdOf(stream), options));
  }

  async readEventsById(stream: StreamRef, ids: string[]): Promise<EventEnvelope[]> {
    return this.guard(() => this.reads.readEventsById(streamIdOf(stream), ids));
  }

  async getStreamInfo(stream: StreamRef): Promise<StreamInfo | undefined> {
    return this.guard(() => this.info(stream));
  }

  async readAll(afterPosition: number, limit: number): Promise<PositionedEvent[]> {
    return this.guard(() => this.log.readAll(afterPosition, limit));
  }

  async headPosition(): Promise<number> {
    return this.guard(() => this.log.headPosition());
  }

  async positionOf(streamId: string, sequence: number): Promise<number | undefined> {
    return this.guard(() => this.log.positionOf(streamId, sequence));
  }

  async readArchiveRecord(stream: StreamRef): Promise<StoredArchiveRecord | undefined> {
    return this.guard(() => this.archive.read(stream));
  }

  /** Through the group commit, so a record write is ordered with the appends around it. */
  writeArchiveRecord(record: ArchiveRecord, condition: ArchiveRecordCondition): Promise<string | undefined> {
    return this.write(() => this.archive.write(record, condition));
  }

  removeEventsBelow(stream: StreamRef, sequence: number): Promise<void> {
    return this.write(() => this.archive.removeBelow(stream, sequence));
  }

  async listArchiveRecords(afterStreamId: string | undefined, limit: number): Promise<ArchiveRecord[]> {
    return this.guard(() => this.archive.list(afterStreamId, limit));
  }

  async listIdleStreams(aggregateType: string, before: string, afterStreamId: string | undefined, limit: number): Promise<StreamRef[]> {
    return this.guard(() => this.archive.idle(aggregateType, before, afterStreamId, limit));
  }

  async ping(): Promise<void> {
    this.guard(() => this.probe.get());
  }

  /** Commits every accepted append, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.writes.flush();
    this.db.close();
  }

  /** One statement through the group commit (SQLite makes a single statement atomic). */
  private write<T>(work: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('SQLite store is closed'));
    return this.writes.submit(() => {
      try {
        return work();
      } catch (error) {
        throw unavailable(error);
      }
    }, { savepoint: false });
  }

  private guard<T>(read: () => T): T {
    if (this.closed) throw new StoreUnavailableError('SQLite store is closed');
    try {
      return read();
    } catch (error) {
      throw unavailable(error);
    }
  }
}
