import { backoffDelayMs, sleep, type RetryPolicy } from '../core/index.ts';

export type Attempt<T> = { ok: true; value: T } | { ok: false; error: unknown; attempts: number };

/**
 * Runs a projection handler, retrying a throw with backoff. Reducers are pure, so a retry mostly
 * confirms a poison event; it still rides out a handler that failed for a passing reason.
 */
export const attemptHandler = async <T>(handler: () => T, policy: RetryPolicy): Promise<Attempt<T>> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return { ok: true, value: handler() };
    } catch (error) {
      if (attempt >= policy.maxAttempts) return { ok: false, error, attempts: attempt };
      await sleep(backoffDelayMs(attempt, policy));
    }
  }
};

export const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : `thrown value: ${String(error)}`;
