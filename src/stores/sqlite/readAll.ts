import type { DatabaseSync } from 'node:sqlite';
import type { PositionedEvent } from '../../core/index.ts';
import { toPositionedEvent } from './rows.ts';
import { EVENT_COLUMNS, type EventRow } from './schema.ts';

/** The whole log in commit order: the embedded store's change feed. */
export const prepareReadAll = (db: DatabaseSync) => {
  const page = db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`);
  const head = db.prepare('SELECT coalesce(max(position), 0) AS position FROM events');
  const positionOf = db.prepare('SELECT position FROM events WHERE stream_id = ? AND sequence = ?');
  return {
    readAll: (afterPosition: number, limit: number): PositionedEvent[] =>
      (page.all(afterPosition, limit) as unknown as EventRow[]).map(toPositionedEvent),
    headPosition: (): number => (head.get() as { position: number }).position,
    positionOf: (streamId: string, sequence: number): number | undefined => (positionOf.get(streamId, sequence) as { position: number } | undefined)?.position,
  };
};
