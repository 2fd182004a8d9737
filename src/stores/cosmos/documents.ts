import type { JSONObject } from '@azure/cosmos';
import { z } from 'zod';
import { ArchiveRecord, EventEnvelope, type PreparedEvent, type StreamRef } from '../../core/index.ts';

// Documents of the `events` container. An event is stored as its envelope, nothing more. Beside the
// events of a stream sits one stream head: the marker an append with a known expected version checks
// in the same transactional batch (see appendToStream.ts and docs/cosmos.md). It carries a `kind`
// field, which events never have: readers of the change feed skip documents that have one
// (`eventsFromDocuments` in src/core/feedDocuments.ts).

export const STREAM_HEAD_ID = '$head';
export const STREAM_HEAD_KIND = 'streamHead';

/** The head sits at sequence 0, so one query ordered by sequence returns it before the events. */
export const StreamHeadDocument = z.object({
  id: z.literal(STREAM_HEAD_ID),
  kind: z.literal(STREAM_HEAD_KIND),
  streamId: z.string(),
  aggregateType: z.string(),
  aggregateId: z.string(),
  sequence: z.literal(0),
  /** The stream's version after the last append that moved the head; never ahead of the events. */
  version: z.number().int().min(1),
  updatedAt: z.string(),
  /** Set by the append of a closing event (eventlog.StreamClosed or StreamDeleted): the head check then fails for good. */
  closed: z.literal(true).optional(),
});
export type StreamHeadDocument = z.infer<typeof StreamHeadDocument>;

export const streamHeadDocument = (streamId: string, stream: StreamRef, version: number, updatedAt: string, closed = false): StreamHeadDocument => ({
  id: STREAM_HEAD_ID,
  kind: STREAM_HEAD_KIND,
  streamId,
  aggregateType: stream.aggregateType,
  aggregateId: stream.aggregateId,
  sequence: 0,
  version,
  updatedAt,
  ...(closed ? { closed: true as const } : {}),
});

// The archive record of a stream (src/core/lifecycle.ts) sits in its partition too, at sequence -1: below
// the head, so no query for the head or the events returns it, and its own slot of the unique key.
export const ARCHIVE_RECORD_ID = '$archive';
export const ARCHIVE_RECORD_KIND = 'streamArchive';

export const ArchiveRecordDocument = z.object({
  id: z.literal(ARCHIVE_RECORD_ID),
  kind: z.literal(ARCHIVE_RECORD_KIND),
  streamId: z.string(),
  aggregateType: z.string(),
  aggregateId: z.string(),
  sequence: z.literal(-1),
  record: ArchiveRecord,
});
export type ArchiveRecordDocument = z.infer<typeof ArchiveRecordDocument>;

export const archiveRecordDocument = (record: ArchiveRecord): ArchiveRecordDocument => ({
  id: ARCHIVE_RECORD_ID,
  kind: ARCHIVE_RECORD_KIND,
  streamId: record.streamId,
  aggregateType: record.aggregateType,
  aggregateId: record.aggregateId,
  sequence: -1,
  record,
});

export const eventDocument = (
  streamId: string,
  stream: StreamRef,
  event: PreparedEvent,
  sequence: number,
  recordedAt: string,
  region: string,
): EventEnvelope => ({
  id: event.id,
  streamId,
  aggregateType: stream.aggregateType,
  aggregateId: stream.aggregateId,
  sequence,
  type: event.type,
  schemaVersion: event.schemaVersion,
  data: event.data,
  metadata: event.metadata,
  recordedAt,
  region,
});

/** The envelope of a stored event, without the system properties Cosmos DB adds (`_rid`, `_etag`, `_ts`, ...). */
export const eventFromDocument = (document: unknown): EventEnvelope => EventEnvelope.parse(document);

/** A document as the SDK's batch operations take it (its JSON type is narrower than zod's `unknown`). */
export const asResourceBody = (document: object): JSONObject => document as JSONObject;
