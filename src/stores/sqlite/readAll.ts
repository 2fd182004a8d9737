import type { DatabaseSync } from 'node:sqlite';
import type { PositionedEvent } from '../../core/index.ts';
import { toPositionedEvent } from './rows.ts';
import { EVENT_COLUMNS, type EventRow } from './schema.ts';

/** The whole log in commit order: the embedded store's change feed. */
export const prepareReadAll = (db: DatabaseSync) => {
  const page = db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`);
  const head = db.prepare('SELECT coalesce(max(position), 0) AS position FROM events');
  // The first event the log holds at or after the sequence: the event itself, or for an archived one the
  // stream's anchor, which came later (so a consumer past it is surely past the archived event).
  const positionOf = db.prepare('SELECT position FROM events WHERE stream_id = ? AND sequence >= ? ORDER BY sequence LIMIT 1');
  return {
    readAll: (afterPosition: number, limit: number): PositionedEvent[] =>
      (page.all(afterPosition, limit) as unknown as EventRow[]).map(toPositionedEvent),
    headPosition: (): number => (head.get() as { position: number }).position,
    positionOf: (streamId: string, sequence: number): number | undefined => (positionOf.get(streamId, sequence) as { position: number } | undefined)?.position,
  };
};
