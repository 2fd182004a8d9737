import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import {
  ArchiveRecord,
  streamIdOf,
  type ArchiveRecordCondition,
  type StoredArchiveRecord,
  type StreamRef,
} from '../../core/index.ts';

// Storage format of the archive records beside the embedded log: version with care. One row per
// archived stream, written on an etag condition; the events table itself is untouched in shape.
export const ARCHIVE_SCHEMA = `
CREATE TABLE IF NOT EXISTS stream_archives (
  stream_id        TEXT PRIMARY KEY,
  aggregate_type   TEXT    NOT NULL,
  archived_version INTEGER NOT NULL,
  record           TEXT    NOT NULL,
  etag             TEXT    NOT NULL
) WITHOUT ROWID;
`;

interface RecordRow {
  record: string;
  etag: string;
}

/** The archive statements of the embedded log; each runs as one statement (SQLite makes it atomic). */
export const prepareStreamArchive = (db: DatabaseSync) => {
  db.exec(ARCHIVE_SCHEMA);
  const select = db.prepare('SELECT record, etag FROM stream_archives WHERE stream_id = ?');
  const insert = db.prepare(
    'INSERT INTO stream_archives (stream_id, aggregate_type, archived_version, record, etag) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const update = db.prepare('UPDATE stream_archives SET archived_version = ?, record = ?, etag = ? WHERE stream_id = ? AND etag = ?');
  const removeBelow = db.prepare('DELETE FROM events WHERE stream_id = ? AND sequence < ?');
  const list = db.prepare('SELECT record FROM stream_archives WHERE stream_id > ? ORDER BY stream_id LIMIT ?');
  // The last event of each stream of the type, older than the cut, past what its record archived.
  const idle = db.prepare(
    `SELECT e.stream_id, e.aggregate_type, e.aggregate_id FROM events e
     LEFT JOIN stream_archives a ON a.stream_id = e.stream_id
     WHERE e.aggregate_type = ? AND e.stream_id > ?
     GROUP BY e.stream_id
     HAVING max(e.recorded_at) < ? AND max(e.sequence) > coalesce(max(a.archived_version), 0)
     ORDER BY e.stream_id LIMIT ?`,
  );
  const toStored = (row: RecordRow): StoredArchiveRecord => ({ record: ArchiveRecord.parse(JSON.parse(row.record)), etag: row.etag });
  return {
    read: (stream: StreamRef): StoredArchiveRecord | undefined => {
      const row = select.get(streamIdOf(stream)) as RecordRow | undefined;
      return row === undefined ? undefined : toStored(row);
    },
    write: (record: ArchiveRecord, condition: ArchiveRecordCondition): string | undefined => {
      const etag = randomUUID();
      const json = JSON.stringify(record);
      const result =
        'absent' in condition
          ? insert.run(record.streamId, record.aggregateType, record.archivedVersion, json, etag)
          : update.run(record.archivedVersion, json, etag, record.streamId, condition.etag);
      return result.changes === 1 ? etag : undefined;
    },
    removeBelow: (stream: StreamRef, sequence: number): void => void removeBelow.run(streamIdOf(stream), sequence),
    list: (after: string | undefined, limit: number): ArchiveRecord[] =>
      (list.all(after ?? '', limit) as unknown as Array<{ record: string }>).map((row) => ArchiveRecord.parse(JSON.parse(row.record))),
    idle: (aggregateType: string, before: string, after: string | undefined, limit: number): StreamRef[] =>
      (idle.all(aggregateType, after ?? '', before, limit) as unknown as Array<{ aggregate_type: string; aggregate_id: string }>).map((row) => ({
        aggregateType: row.aggregate_type,
        aggregateId: row.aggregate_id,
      })),
  };
};
