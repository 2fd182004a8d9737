import { backoffDelayMs, retry, sleep, type RetryPolicy } from '../core/index.ts';

export type Attempt<T> = { ok: true; value: T } | { ok: false; error: unknown; attempts: number };

/**
 * The tries of a projection handler after its first one threw, with backoff. Reducers are pure, so a
 * retry mostly confirms a poison event; it still rides out a handler that failed for a passing reason.
 * The first try is the caller's own, made inline without a closure or a promise: nearly every call
 * succeeds, and a batch makes thousands.
 */
export const retryHandler = async <T>(handler: () => T, policy: RetryPolicy, firstError: unknown): Promise<Attempt<T>> => {
  if (policy.maxAttempts <= 1) return { ok: false, error: firstError, attempts: 1 };
  let attempts = 1;
  await sleep(backoffDelayMs(attempts, policy));
  try {
    const value = await retry(async () => (attempts++, handler()), {
      policy: { ...policy, maxAttempts: policy.maxAttempts - 1 },
      retryOn: () => true,
      delayMs: (_error, attempt) => backoffDelayMs(attempt + 2, policy),
    });
    return { ok: true, value };
  } catch (error) {
    return { ok: false, error, attempts };
  }
};
