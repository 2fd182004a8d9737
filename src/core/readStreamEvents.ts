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

/**
 * The stream's version and last event: one read for the version (from `from`, where the caller knows the
 * stream has an event), one for the event at it. Undefined when the stream has no events.
 */
export const readLastEvent = async (
  store: EventStore,
  stream: StreamRef,
  from = 1,
  options: { forWrite?: boolean } = {},
): Promise<{ version: number; event?: EventEnvelope } | undefined> => {
  const head = await store.readStream(stream, { fromVersion: Math.max(1, from), limit: 1, forWrite: options.forWrite });
  if (head === undefined) return undefined;
  const last = await store.readStream(stream, { fromVersion: head.version, limit: 1, forWrite: options.forWrite });
  return { version: head.version, event: last?.events[0] };
};
