import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AggregateId, AggregateType, EventEnvelope, streamIdOf, type StreamRef } from './envelope.ts';
import { ConflictError, ProblemError } from './errors.ts';
import type { EventStore } from './ports.ts';

// The lifecycle of a stream: archived to cold storage (read transparently), closed, deleted.
// These shapes are stored beside the stream in the hot store and in the archive: version with care.

/** Event types of the log's own, refused on the raw append route: only the admin operations write them. */
export const RESERVED_EVENT_TYPE_PREFIX = 'eventlog.';
/** A soft delete: the stream is closed, its events stay readable. */
export const STREAM_CLOSED = 'eventlog.StreamClosed';
/** A hard delete: the stream's archived events are gone for good; this event is what remains. */
export const STREAM_DELETED = 'eventlog.StreamDeleted';

export const isReservedEventType = (type: string): boolean => type.startsWith(RESERVED_EVENT_TYPE_PREFIX);
/** An event after which the stream takes no appends (but the deletion of a closed stream). */
export const isClosingEvent = (type: string | undefined): boolean => type === STREAM_CLOSED || type === STREAM_DELETED;

/**
 * True when a stream whose last event has type `lastType` refuses an append starting with `firstType`:
 * nothing follows a deletion, and only a deletion follows a closing. Every adapter asks this where it
 * decides the append's version, so a closing and a late append cannot both win.
 */
export const refusesAppend = (lastType: string | undefined, firstType: string | undefined): boolean =>
  lastType === STREAM_DELETED || (lastType === STREAM_CLOSED && firstType !== STREAM_DELETED);

/** The base of a problem about a stream's state at a version: the document names both. */
const StreamStateProblem = (code: string, status: number, title: string) =>
  class extends ProblemError(code, status, title) {
    readonly streamId: string;
    readonly version: number;
    constructor(streamId: string, version: number, detail: string) {
      super(detail);
      this.streamId = streamId;
      this.version = version;
    }
    override problemDetails(): Record<string, unknown> {
      return { streamId: this.streamId, version: this.version };
    }
  };

export class StreamClosedError extends StreamStateProblem('stream-closed', 409, 'Stream closed') {
  constructor(streamId: string, version: number, detail?: string) {
    super(streamId, version, detail ?? `stream ${streamId} was closed at version ${version}; it takes no more events`);
  }
}

export class StreamDeletedError extends StreamStateProblem('stream-deleted', 410, 'Stream deleted') {
  constructor(streamId: string, version: number) {
    super(streamId, version, `stream ${streamId} was deleted at version ${version}; its events are gone`);
  }
}

/** A lifecycle operation the stream's state does not allow (not archived yet, changed meanwhile). */
export class LifecycleConflictError extends ConflictError {
  readonly streamId: string;
  constructor(code: string, title: string, streamId: string, detail: string) {
    super(code, title, detail);
    this.streamId = streamId;
  }
  override problemDetails(): Record<string, unknown> {
    return { streamId: this.streamId };
  }
}

/**
 * A rebuild replays each archived stream's segments, then the log: an archive that moved more of a stream
 * between the two would hide those events from it. Archives wait while a rebuild runs in this region.
 */
export class RebuildUnderWayError extends ProblemError('rebuild-under-way', 409, 'A projection rebuild is under way') {
  constructor(projections: readonly string[]) {
    super(`projection ${projections.join(', ')} is rebuilding in this region; archive once it has switched (GET /api/projections)`);
  }
}

/** One verified piece of a stream in cold storage: events `fromVersion..toVersion`, contiguous. */
export const ArchiveSegment = z.object({
  fromVersion: z.number().int().min(1),
  toVersion: z.number().int().min(1),
  /** The blob's name in the archive container (the file's path under the archive directory). */
  name: z.string(),
  /** Where an operator finds it: a blob URL or a file path. */
  location: z.string(),
  /** `sha256:<hex>` of the blob's bytes, as written and as read back. */
  digest: z.string(),
  eventCount: z.number().int().min(1),
  firstRecordedAt: z.string(),
  lastRecordedAt: z.string(),
});
export type ArchiveSegment = z.infer<typeof ArchiveSegment>;

/**
 * The archive's state machine, persisted on the stream's archive record before each step it starts:
 * - `copying`: `pending` is being written to cold storage and read back; the hot store still holds it all;
 * - `removing`: `pending` is verified and joined `segments`; reads take events up to `archivedVersion` from
 *   cold storage, and the hot copies below it are being removed;
 * - `archived`: at rest;
 * - `purging`: a hard delete removes the segments from cold storage; `deleted`: at rest, data gone.
 * A crash at any point leaves the record saying which step to do again; every step is idempotent.
 */
export const ArchiveState = z.enum(['copying', 'removing', 'archived', 'purging', 'deleted']);
export type ArchiveState = z.infer<typeof ArchiveState>;

export const ArchiveRecord = z.object({
  streamId: z.string(),
  aggregateType: AggregateType,
  aggregateId: AggregateId,
  state: ArchiveState,
  /** Events up to this sequence are read from cold storage (0: none yet). The event at it stays hot too. */
  archivedVersion: z.number().int().min(0),
  segments: z.array(ArchiveSegment),
  /** The segment a `copying` step writes. */
  pending: ArchiveSegment.pick({ fromVersion: true, toVersion: true, name: true, location: true }).optional(),
  updatedAt: z.string(),
});
export type ArchiveRecord = z.infer<typeof ArchiveRecord>;

export interface StoredArchiveRecord {
  record: ArchiveRecord;
  etag: string;
}

export type ArchiveRecordCondition = { absent: true } | { etag: string };

/**
 * What a hot store (an EventStore adapter) offers the archive. The record lives beside the stream (a row,
 * a document in its partition) and is written only on a condition, so two archivers never both win. The
 * store keeps the event at `archivedVersion` hot (the anchor): its version and unique keys decide appends
 * exactly as before, and a closed stream stays closed.
 */
export interface StreamArchiveStore {
  readArchiveRecord(stream: StreamRef): Promise<StoredArchiveRecord | undefined>;
  /** The new etag, or undefined when the condition did not hold (someone else wrote meanwhile). */
  writeArchiveRecord(record: ArchiveRecord, condition: ArchiveRecordCondition): Promise<string | undefined>;
  /** Removes the stream's hot events below `sequence`; removing what is already gone is no error. */
  removeEventsBelow(stream: StreamRef, sequence: number): Promise<void>;
  /** Archive records in streamId order after `afterStreamId`: rebuilds replay them, the archiver resumes them. */
  listArchiveRecords(afterStreamId: string | undefined, limit: number): Promise<ArchiveRecord[]>;
  /** Streams of a type with events not yet archived and none recorded after `before`, in streamId order. */
  listIdleStreams(aggregateType: string, before: string, afterStreamId: string | undefined, limit: number): Promise<StreamRef[]>;
}

export const hasStreamArchive = (store: object): store is StreamArchiveStore =>
  typeof (store as Partial<StreamArchiveStore>).readArchiveRecord === 'function';

/** Cold storage: a blob container in Azure, a directory on the embedded store. Names are `/`-separated. */
export interface ColdStorage {
  readonly kind: string;
  locate(name: string): string;
  /** Writes (or overwrites) the whole blob. */
  put(name: string, content: Uint8Array): Promise<void>;
  get(name: string): Promise<Uint8Array | undefined>;
  delete(name: string): Promise<void>;
}

/** `{aggregateType}/{aggregateId}/{from}-{to}.jsonl`, zero-padded so a listing sorts in stream order. */
export const segmentName = (stream: StreamRef, fromVersion: number, toVersion: number): string =>
  `${stream.aggregateType}/${encodeURIComponent(stream.aggregateId)}/${String(fromVersion).padStart(12, '0')}-${String(toVersion).padStart(12, '0')}.jsonl`;

/** One envelope per line, in sequence order. */
export const encodeSegment = (events: readonly EventEnvelope[]): Uint8Array =>
  Buffer.from(events.map((event) => JSON.stringify(event)).join('\n') + '\n', 'utf8');

export const decodeSegment = (content: Uint8Array): EventEnvelope[] =>
  Buffer.from(content)
    .toString('utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => EventEnvelope.parse(JSON.parse(line)));

export const digestOf = (content: Uint8Array): string => `sha256:${createHash('sha256').update(content).digest('hex')}`;

export const newArchiveRecord = (stream: StreamRef, at: string): ArchiveRecord => ({
  streamId: streamIdOf(stream),
  aggregateType: stream.aggregateType,
  aggregateId: stream.aggregateId,
  state: 'archived',
  archivedVersion: 0,
  segments: [],
  updatedAt: at,
});

/** What the API asks of the lifecycle; src/lifecycle does it. */
export interface StreamLifecycle {
  archive(stream: StreamRef): Promise<ArchiveOutcome>;
  /** Soft delete: appends `eventlog.StreamClosed`. */
  close(stream: StreamRef, reason?: string): Promise<StreamEndOutcome>;
  /** Hard delete of an archived stream: appends `eventlog.StreamDeleted`, then removes the archived events. */
  destroy(stream: StreamRef, reason?: string): Promise<StreamEndOutcome>;
}

export const ArchiveOutcome = z.object({
  streamId: z.string(),
  /** `archived`: this call moved events; `unchanged`: nothing new to archive. */
  outcome: z.enum(['archived', 'unchanged']),
  archivedVersion: z.number().int(),
  version: z.number().int(),
  segments: z.array(ArchiveSegment),
});
export type ArchiveOutcome = z.infer<typeof ArchiveOutcome>;

export const StreamEndOutcome = z.object({
  streamId: z.string(),
  state: z.enum(['closed', 'deleted']),
  version: z.number().int(),
});
export type StreamEndOutcome = z.infer<typeof StreamEndOutcome>;

/** The event store as the lifecycle needs it: the log plus its archive record. */
export type ArchivableEventStore = EventStore & StreamArchiveStore;
