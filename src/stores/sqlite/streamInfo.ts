import type { DatabaseSync } from 'node:sqlite';
import type { StreamInfo, StreamRef } from '../../core/index.ts';
import { streamIdOf } from '../../core/index.ts';

export const prepareStreamInfo = (db: DatabaseSync) => {
  const bounds = db.prepare(
    `SELECT
       (SELECT max(sequence) FROM events WHERE stream_id = $id) AS version,
       (SELECT recorded_at FROM events WHERE stream_id = $id ORDER BY sequence ASC LIMIT 1) AS created_at,
       (SELECT recorded_at FROM events WHERE stream_id = $id ORDER BY sequence DESC LIMIT 1) AS updated_at`,
  );
  return (stream: StreamRef): StreamInfo | undefined => {
    const streamId = streamIdOf(stream);
    const row = bounds.get({ id: streamId }) as { version: number | null; created_at: string; updated_at: string };
    if (row.version === null) return undefined;
    return { streamId, ...stream, version: row.version, createdAt: row.created_at, updatedAt: row.updated_at };
  };
};
