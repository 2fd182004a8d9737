import { hasGlobalLog, readStreamEvents, streamIdOf, type EventEnvelope, type EventStore, type PositionedEvent, type StreamRef } from '../../core/index.ts';
import { CliError } from '../errors.ts';

/** Events per store read. */
const PAGE = 1000;

export interface ExportProgress {
  /** Called after each page: events written so far, and the total when it is known. */
  (exported: number, total?: number): void;
}

const envelopeOf = ({ position: _position, ...event }: PositionedEvent): EventEnvelope => event;

/** One stream from its first event, in sequence order; a stream without events is an error here. */
async function* streamEvents(store: EventStore, stream: StreamRef): AsyncGenerator<EventEnvelope> {
  let found = false;
  for await (const event of readStreamEvents(store, stream, 1, PAGE)) {
    found = true;
    yield event;
  }
  if (!found) throw new CliError(`stream ${streamIdOf(stream)} has no events`);
}

/**
 * The events to back up: the named streams one after the other, or, with none named, the whole log in
 * commit order up to its head when the export started (appends made meanwhile are left for the next one).
 */
export async function* exportEvents(store: EventStore, streams: StreamRef[], progress: ExportProgress = () => {}): AsyncGenerator<EventEnvelope> {
  let exported = 0;
  if (streams.length > 0) {
    for (const stream of streams)
      for await (const event of streamEvents(store, stream)) {
        yield event;
        if (++exported % PAGE === 0) progress(exported);
      }
    progress(exported);
    return;
  }
  if (!hasGlobalLog(store))
    throw new CliError(`the ${store.kind} store cannot list the whole log here; name the streams to export`);
  const head = await store.headPosition();
  let after = 0;
  while (after < head) {
    const page = await store.readAll(after, PAGE);
    if (page.length === 0) break;
    for (const event of page) {
      if (event.position > head) break;
      yield envelopeOf(event);
      exported++;
    }
    after = page[page.length - 1]!.position;
    progress(after, head);
  }
  progress(head, head);
}
