import { eventsFromDocuments, type EventEnvelope, type Logger } from '../core/index.ts';
import { ConsumerHeldError } from './errors.ts';
import type { LiveOutcome, ConsumerRuntime } from './runtime.ts';

/** A Functions invocation is bounded: a reactor's batch retries a service that is down this long, then hands back. */
export const TRIGGER_RETRY_BUDGET_MS = 60_000;

/**
 * The Azure change-feed trigger's whole job for one consumer. It must either handle the batch or throw:
 * the trigger checkpoints the lease after the function returns, and also after it throws once its retry
 * policy gives up, so the registration retries forever and this throws while the consumer is halted,
 * paused or switching. The lease then stays where it is until an operator resumes or skips; events of
 * the batch already handled pass quickly when it comes again.
 */
export const handleChangeFeedBatch = async (
  runtime: ConsumerRuntime,
  consumer: string,
  documents: readonly unknown[],
  logger: Logger,
  /** Opens sealed personal fields: the trigger hands over the items as stored (the app's `openEvents`). */
  openEvents: (events: EventEnvelope[]) => Promise<EventEnvelope[]> = async (events) => events,
): Promise<LiveOutcome> => {
  const { events: stored, ignored } = eventsFromDocuments(documents);
  const events = await openEvents(stored);
  if (ignored > 0) logger.warn("change feed delivered documents that are neither events nor marked as the product's own; passed over and counted", { consumer, ignored });
  const outcome = await runtime.applyLive(consumer, events, { ignored, retryBudgetMs: TRIGGER_RETRY_BUDGET_MS });
  if (outcome.halted !== undefined) {
    const { eventId, streamId, sequence, error } = outcome.halted;
    logger.error('consumer halted on a poison event', { consumer, eventId, streamId, sequence, error });
    throw new ConsumerHeldError(consumer, 'halted', `on event ${eventId} of ${streamId}: ${error}`);
  }
  runtime.clearFailure(consumer);
  return outcome;
};
