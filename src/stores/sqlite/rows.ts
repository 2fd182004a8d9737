import type { EventEnvelope, PositionedEvent } from '../../core/index.ts';
import type { EventRow } from './schema.ts';

export const toPositionedEvent = (row: EventRow): PositionedEvent => ({
  id: row.id,
  streamId: row.stream_id,
  aggregateType: row.aggregate_type,
  aggregateId: row.aggregate_id,
  sequence: row.sequence,
  type: row.type,
  schemaVersion: row.schema_version,
  data: JSON.parse(row.data) as EventEnvelope['data'],
  metadata: JSON.parse(row.metadata) as EventEnvelope['metadata'],
  recordedAt: row.recorded_at,
  region: row.region,
  position: row.position,
});

export const toEnvelope = (row: EventRow): EventEnvelope => {
  const { position: _position, ...event } = toPositionedEvent(row);
  return event;
};
