import type { EventEnvelope, StreamRef } from './envelope.ts';
import type { EventStore } from './ports.ts';

/** A stream's events from `fromVersion` to its end, read page by page; nothing when it has no events. */
export async function* readStreamEvents(
  store: EventStore,
  stream: StreamRef,
  fromVersion = 1,
  pageSize = 1000,
  options: { forWrite?: boolean } = {},
): AsyncGenerator<EventEnvelope> {
  for (let from = fromVersion; ; ) {
    const slice = await store.readStream(stream, { fromVersion: from, limit: pageSize, forWrite: options.forWrite });
    if (slice === undefined) return;
    yield* slice.events;
    const last = slice.events[slice.events.length - 1];
    if (last === undefined || last.sequence >= slice.version) return;
    from = last.sequence + 1;
  }
}
