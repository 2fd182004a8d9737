import { defineProjection, defineView, parseStreamId, STREAM_CLOSED, STREAM_DELETED } from '../core/index.ts';

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
  /** Present once the stream was closed (soft delete): it takes no more events. */
  closed?: true;
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
      // A hard delete drops the stream's document; a close keeps it, marked.
      reduce: (current, event) =>
        event.type === STREAM_DELETED
          ? null
          : {
              streamId: event.streamId,
              aggregateType: event.aggregateType,
              aggregateId: event.aggregateId,
              version: Math.max(current?.version ?? 0, event.sequence),
              eventCount: (current?.eventCount ?? 0) + 1,
              lastEventType: event.type,
              lastRecordedAt: event.recordedAt,
              ...(event.type === STREAM_CLOSED || current?.closed === true ? { closed: true as const } : {}),
            },
    }),
  ],
});
