import { z } from 'zod';
import { AggregateId, AggregateType, type EventEnvelope, type EventMetadata, type ExpectedVersion, type JsonObject, type StreamRef } from './envelope.ts';

/** An event ready to store: id and metadata settled, sequence still to be assigned by the store. */
export interface PreparedEvent {
  id: string;
  type: string;
  schemaVersion: number;
  data: JsonObject;
  metadata: EventMetadata;
}

export interface AppendRequest {
  stream: StreamRef;
  expectedVersion: ExpectedVersion;
  events: PreparedEvent[];
  /** Region that accepts the write, stamped on every event. */
  region: string;
}

/** What a store answers for an append; the HTTP answer adds the consistency token (core/appendEvents.ts). */
export const AppendResult = z.object({
  streamId: z.string(),
  aggregateType: AggregateType,
  aggregateId: AggregateId,
  firstSequence: z.number().int(),
  lastSequence: z.number().int(),
  version: z.number().int(),
  eventIds: z.array(z.string()),
  recordedAt: z.iso.datetime(),
});
export type AppendResult = z.infer<typeof AppendResult>;

export interface ReadStreamOptions {
  fromVersion: number;
  toVersion?: number;
  limit: number;
  /** ISO-8601 UTC in `Date#toISOString` form: only events recorded at or before it. */
  asOf?: string;
  /**
   * The read decides a write (loading an aggregate for a command, settling a conflict): it must see the
   * log where writes are decided (the write region), not a copy that may lag. Stores with one copy ignore it.
   */
  forWrite?: boolean;
}

export interface StreamSlice {
  /** Version of the stream (as of `asOf` when given). */
  version: number;
  /** Events in sequence order, at most `limit`. */
  events: EventEnvelope[];
  /** Set when the stream is archived: its events up to this sequence were read from cold storage. */
  archivedVersion?: number;
}

export const StreamInfo = z.object({
  streamId: z.string(),
  aggregateType: AggregateType,
  aggregateId: AggregateId,
  version: z.number().int(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /** Set when the stream is archived: events up to this sequence live in cold storage. */
  archivedVersion: z.number().int().optional(),
  /** Set when the stream was closed (soft delete): it takes no more events. */
  closed: z.boolean().optional(),
});
export type StreamInfo = z.infer<typeof StreamInfo>;

/**
 * The log. Adapters guarantee: an append is atomic; sequences are 1-based and contiguous
 * per stream; a stale expected version raises ConcurrencyError with the current version;
 * an event id already present in the stream raises DuplicateEventIdError (or ConcurrencyError
 * where the database cannot tell the two apart); an unreachable backend raises StoreUnavailableError.
 * `readEventsById` serves the write path (idempotent replays, reconciliation) and reads what the
 * write region holds; `readStream` reads the nearest copy unless asked `forWrite`.
 */
export interface EventStore {
  readonly kind: string;
  append(request: AppendRequest): Promise<AppendResult>;
  /** Undefined when the stream has no events (as of `asOf`). */
  readStream(stream: StreamRef, options: ReadStreamOptions): Promise<StreamSlice | undefined>;
  readEventsById(stream: StreamRef, ids: string[]): Promise<EventEnvelope[]>;
  getStreamInfo(stream: StreamRef): Promise<StreamInfo | undefined>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface PositionedEvent extends EventEnvelope {
  /** Commit order across all streams; strictly increasing, may have gaps. */
  position: number;
}

/** A totally ordered view of the whole log, as the embedded stores offer it (Cosmos has the change feed instead). */
export interface GlobalLog {
  readAll(afterPosition: number, limit: number): Promise<PositionedEvent[]>;
  headPosition(): Promise<number>;
  /**
   * Where the event at this sequence of the stream sits in the log; undefined while the log does not hold
   * it. For an event archived away, where the stream's next event the log holds sits (a later position).
   */
  positionOf(streamId: string, sequence: number): Promise<number | undefined>;
  /**
   * True when an event the log served may later be replaced by another at the same place in its stream
   * (a simulated region after a forced failover). Consumers of such a log keep per-stream progress to
   * notice it; a log that never replaces what it served needs no more than each consumer's checkpoint.
   */
  readonly replacesEvents?: boolean;
}

export const hasGlobalLog = (store: EventStore): store is EventStore & GlobalLog =>
  typeof (store as Partial<GlobalLog>).readAll === 'function';
