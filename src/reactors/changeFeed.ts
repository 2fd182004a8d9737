import type { Logger } from '../api/dispatch.ts';
import { eventsFromChangeFeed } from '../projections/changeFeed.ts';
import { ReactorHeldError, type ReactorRunner } from './reactorRunner.ts';

/** A Functions invocation is bounded: a batch retries a service that is down this long, then hands back. */
export const TRIGGER_RETRY_BUDGET_MS = 60_000;

/**
 * The Azure change-feed trigger's whole job for one reactor. It throws while the reactor is paused,
 * halted or waiting for a service, so the trigger's retry policy holds the batch (and its lease);
 * events of the batch already handled are recorded in the log and pass quickly when it comes again.
 */
export const handleReactorChangeFeed = async (runner: ReactorRunner, documents: readonly unknown[], logger: Logger): Promise<void> => {
  const { events, ignored } = eventsFromChangeFeed(documents);
  if (ignored > 0) logger.warn('change feed delivered items that are not events; ignored', { reactor: runner.name, ignored });
  const outcome = await runner.handleBatch(events, { retryBudgetMs: TRIGGER_RETRY_BUDGET_MS });
  if (outcome.halt !== undefined) {
    const { eventId, streamId, error } = outcome.halt;
    logger.error('reactor halted on a poison event', { reactor: runner.name, eventId, streamId, error });
    // Thrown so the lease stays before the halted event until an operator resumes or skips it.
    throw new ReactorHeldError(runner.name, 'halted', `on event ${eventId} of ${streamId}: ${error}`);
  }
};
