import { backoffDelayMs, retry, type RetryPolicy } from '../core/index.ts';

export type Attempt<T> = { ok: true; value: T } | { ok: false; error: unknown; attempts: number };

/**
 * Runs a projection handler, retrying a throw with backoff. Reducers are pure, so a retry mostly
 * confirms a poison event; it still rides out a handler that failed for a passing reason.
 */
export const attemptHandler = async <T>(handler: () => T, policy: RetryPolicy): Promise<Attempt<T>> => {
  let attempts = 0;
  try {
    const value = await retry(async () => (attempts++, handler()), {
      policy,
      retryOn: () => true,
      delayMs: (_error, attempt) => backoffDelayMs(attempt + 1, policy),
    });
    return { ok: true, value };
  } catch (error) {
    return { ok: false, error, attempts };
  }
};
