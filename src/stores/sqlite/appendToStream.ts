import type { DatabaseSync, StatementSync } from 'node:sqlite';
import {
  assertExpectedVersion,
  refusesAppend,
  StreamClosedError,
  ConcurrencyError,
  DuplicateEventIdError,
  streamIdOf,
  type AppendRequest,
  type AppendResult,
} from '../../core/index.ts';

export interface AppendStatements {
  currentVersion: StatementSync;
  insertEvent: StatementSync;
  sequenceTaken: StatementSync;
}

/** SQLite's extended result code for a UNIQUE constraint violation (https://sqlite.org/rescode.html#constraint_unique). */
const SQLITE_CONSTRAINT_UNIQUE = 2067;

export const prepareAppend = (db: DatabaseSync): AppendStatements => ({
  // The last event, not only its sequence: a stream whose last event closed it takes no more.
  currentVersion: db.prepare('SELECT sequence AS version, type FROM events WHERE stream_id = ? ORDER BY sequence DESC LIMIT 1'),
  insertEvent: db.prepare(
    `INSERT INTO events (stream_id, aggregate_type, aggregate_id, sequence, id, type, schema_version, data, metadata, recorded_at, region)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ),
  sequenceTaken: db.prepare('SELECT 1 FROM events WHERE stream_id = ? AND sequence = ?'),
});

const tipOf = (statements: AppendStatements, streamId: string): { version: number; type?: string } =>
  (statements.currentVersion.get(streamId) as { version: number; type: string } | undefined) ?? { version: 0 };

const currentVersionOf = (statements: AppendStatements, streamId: string): number => tipOf(statements, streamId).version;

/**
 * Writes one request's events; must run inside a write transaction (the caller's), so the version read
 * and the inserts see one state. The unique indexes are the final word on conflicts either way.
 */
export const appendToStream = (statements: AppendStatements, request: AppendRequest, recordedAt: string): AppendResult => {
  const streamId = streamIdOf(request.stream);
  const tip = tipOf(statements, streamId);
  const current = tip.version;
  if (refusesAppend(tip.type, request.events[0]?.type)) throw new StreamClosedError(streamId, current);
  assertExpectedVersion(streamId, request.expectedVersion, current);
  request.events.forEach((event, index) => {
    try {
      statements.insertEvent.run(
        streamId,
        request.stream.aggregateType,
        request.stream.aggregateId,
        current + index + 1,
        event.id,
        event.type,
        event.schemaVersion,
        JSON.stringify(event.data),
        JSON.stringify(event.metadata),
        recordedAt,
        request.region,
      );
    } catch (error) {
      if ((error as { errcode?: unknown }).errcode !== SQLITE_CONSTRAINT_UNIQUE) throw error;
      // Which of the two unique keys it was, asked of the table itself (the same transaction sees the
      // same rows): the position (stream_id, sequence) taken is a conflict, else the event id is a duplicate.
      if (statements.sequenceTaken.get(streamId, current + index + 1) !== undefined)
        throw new ConcurrencyError(streamId, request.expectedVersion, currentVersionOf(statements, streamId));
      throw new DuplicateEventIdError(streamId, [event.id]);
    }
  });
  const lastSequence = current + request.events.length;
  return {
    streamId,
    aggregateType: request.stream.aggregateType,
    aggregateId: request.stream.aggregateId,
    firstSequence: current + 1,
    lastSequence,
    version: lastSequence,
    eventIds: request.events.map((e) => e.id),
    recordedAt,
  };
};
