import { EventEnvelope } from '../core/index.ts';
import type { Logger } from '../api/dispatch.ts';
import { ProjectionHeldError } from './errors.ts';
import type { LiveOutcome, ProjectionRuntime } from './runtime.ts';

/** Documents of the events container that are not events (stream heads) carry a `kind`; events never do. */
const isMarkedNonEvent = (document: unknown): boolean => typeof document === 'object' && document !== null && 'kind' in document;

/**
 * Events from Cosmos DB change-feed documents: the stored envelope plus system fields (`_rid`, `_self`,
 * `_etag`, `_attachments`, `_ts`, `_lsn`), which parsing drops. Documents marked as not events are
 * passed over; anything else that is not an event is counted and left out rather than failing the batch.
 */
export const eventsFromChangeFeed = (documents: readonly unknown[]): { events: EventEnvelope[]; ignored: number } => {
  const events: EventEnvelope[] = [];
  let ignored = 0;
  for (const document of documents) {
    if (isMarkedNonEvent(document)) continue;
    const parsed = EventEnvelope.safeParse(document);
    if (parsed.success) events.push(parsed.data);
    else ignored++;
  }
  return { events, ignored };
};

/**
 * The Azure change-feed trigger's whole job for one projection. It must either apply the batch or
 * throw: the trigger checkpoints the lease after the function returns, and also after it throws once
 * its retry policy gives up, so the registration retries forever and this throws while the projection
 * is halted or switching. The lease then stays where it is until an operator resumes or skips.
 */
export const handleChangeFeedBatch = async (
  runtime: ProjectionRuntime,
  projection: string,
  documents: readonly unknown[],
  logger: Logger,
): Promise<LiveOutcome> => {
  const { events, ignored } = eventsFromChangeFeed(documents);
  if (ignored > 0) logger.warn('change feed delivered items that are neither events nor marked documents; ignored', { projection, ignored });
  const outcome = await runtime.applyLive(projection, events);
  if (outcome.halted !== undefined) {
    const { eventId, streamId, sequence, error } = outcome.halted;
    logger.error('projection halted on a poison event', { projection, eventId, streamId, sequence, error });
    throw new ProjectionHeldError(projection, 'halted', `on event ${eventId} of ${streamId}: ${error}`);
  }
  runtime.clearFailure(projection);
  return outcome;
};
