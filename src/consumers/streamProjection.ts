import { defineProjection, defineView, parseStreamId } from '../core/index.ts';

/** The built-in `stream` view: one document per stream, keyed by streamId. */
export interface StreamView {
  [field: string]: unknown;
  streamId: string;
  aggregateType: string;
  aggregateId: string;
  version: number;
  eventCount: number;
  lastEventType: string;
  lastRecordedAt: string;
}

export const streamProjection = defineProjection({
  name: 'stream',
  version: 1,
  eventTypes: 'all',
  views: [
    defineView<StreamView>({
      name: 'stream',
      keysOf: (event) => [event.streamId],
      streamOf: parseStreamId,
      // `GET /api/views/stream?where=aggregateType:Order&orderBy=lastRecordedAt:desc`: streams by type, recency, size.
      fields: { aggregateType: 'string', version: 'number', eventCount: 'number', lastEventType: 'string', lastRecordedAt: 'date' },
      // Events of one stream arrive in sequence order and redeliveries are dropped before this runs.
      reduce: (current, event) => ({
        streamId: event.streamId,
        aggregateType: event.aggregateType,
        aggregateId: event.aggregateId,
        version: Math.max(current?.version ?? 0, event.sequence),
        eventCount: (current?.eventCount ?? 0) + 1,
        lastEventType: event.type,
        lastRecordedAt: event.recordedAt,
      }),
    }),
  ],
});
