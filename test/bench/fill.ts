import { newEventId, type EventStore, type StreamRef } from '../../src/core/index.ts';

const APPEND_BATCH = 100;

/** Writes `events` events, 100 per append, append `i` going to `streamOf(i)`; all appends in flight at once. */
export const fill = async (store: EventStore, events: number, streamOf: (append: number) => StreamRef): Promise<void> => {
  await Promise.all(
    Array.from({ length: Math.ceil(events / APPEND_BATCH) }, (_, i) =>
      store.append({
        stream: streamOf(i),
        expectedVersion: 'any',
        events: Array.from({ length: Math.min(APPEND_BATCH, events - i * APPEND_BATCH) }, (_, n) => ({
          id: newEventId(),
          type: 'Ticked',
          schemaVersion: 1,
          data: { n },
          metadata: {},
        })),
        region: 'local',
      }),
    ),
  );
};
