import { backoffDelayMs, retry, type EventEnvelope, type ReactorHandler, type RetryPolicy } from '../../core/index.ts';

// How a reactor works through a batch: in order, each event until its side effect is done. A failure
// the handler calls transient (a service down) is retried without end, honouring the service's hint,
// until the batch's time budget is spent; any other failure is retried a few times, then the event is
// poison and the batch stops before it.

export interface ReactorBatchOptions {
  /** Event types the reactor handles; other events pass. */
  eventTypes: readonly string[];
  /** Event ids an operator chose to skip. */
  skip: ReadonlySet<string>;
  /** Tries of a failure that is not transient before its event is poison, and the backoff between tries. */
  retry: RetryPolicy;
  /** When the batch hands back rather than wait out a service that is still down (a Functions invocation is bounded). */
  deadline: number;
  /** True once the host wants the batch to stop after the current event (pause, shutdown). */
  interrupted: () => boolean;
  /** Waits between tries; a pause or shutdown cuts it short. */
  wait: (ms: number) => Promise<void>;
  /** Each failure as it happens, and undefined once an event succeeds: the listing's lastError. */
  noteFailure: (error: unknown) => void;
}

export type EventOutcome = { kind: 'done' } | { kind: 'poison'; error: unknown; attempts: number } | { kind: 'later'; error: unknown; retryAfterMs: number };

export interface ReactorBatchOutcome {
  /** Events worked through from the start of the batch, handled or passed. */
  processed: number;
  /** Events whose side effect ran. */
  handled: number;
  /** Where the batch stopped early, and why. */
  stoppedAt?: { event: EventEnvelope; outcome: Exclude<EventOutcome, { kind: 'done' }> };
}

/** The wait a service asked for (`Retry-After`), carried by its error as `retryAfterMs`. */
const retryHint = (error: unknown): number => {
  const hint = (error as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return typeof hint === 'number' && Number.isFinite(hint) ? hint : 0;
};

/** A pause or shutdown cut a wait short. */
class Interrupted extends Error {}

const handleOne = async (handler: ReactorHandler, event: EventEnvelope, options: ReactorBatchOptions): Promise<EventOutcome> => {
  let failures = 0;
  let transientFailures = 0;
  let nextDelay = 0;
  let outcome: EventOutcome | undefined;
  let lastError: unknown;
  try {
    await retry(() => handler.handle(event), {
      policy: { ...options.retry, maxAttempts: Number.POSITIVE_INFINITY },
      retryOn: (error) => {
        lastError = error;
        options.noteFailure(error);
        if (handler.isTransient(error)) {
          nextDelay = Math.max(backoffDelayMs(Math.min(transientFailures++, 20), options.retry), retryHint(error));
          if (Date.now() + nextDelay <= options.deadline && !options.interrupted()) return true;
          outcome = { kind: 'later', error, retryAfterMs: nextDelay };
          return false;
        }
        if (++failures >= options.retry.maxAttempts) {
          outcome = { kind: 'poison', error, attempts: failures };
          return false;
        }
        nextDelay = backoffDelayMs(failures, options.retry);
        return true;
      },
      delayMs: () => nextDelay,
      wait: async (ms) => {
        await options.wait(ms);
        if (options.interrupted()) throw new Interrupted();
      },
    });
    options.noteFailure(undefined);
    return { kind: 'done' };
  } catch (error) {
    if (error instanceof Interrupted) return { kind: 'later', error: lastError, retryAfterMs: 0 };
    return outcome ?? { kind: 'later', error, retryAfterMs: nextDelay };
  }
};


/** Works through a batch in order; stops at the first event that must wait or is poison, or when interrupted. */
export const handleReactorBatch = async (
  handler: ReactorHandler,
  events: readonly EventEnvelope[],
  options: ReactorBatchOptions,
): Promise<ReactorBatchOutcome> => {
  let processed = 0;
  let handled = 0;
  for (const event of events) {
    if (options.interrupted()) break;
    if (!options.skip.has(event.id) && options.eventTypes.includes(event.type)) {
      const outcome = await handleOne(handler, event, options);
      if (outcome.kind !== 'done') return { processed, handled, stoppedAt: { event, outcome } };
      handled++;
    }
    processed++;
  }
  return { processed, handled };
};
