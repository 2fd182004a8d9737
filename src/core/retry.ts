export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** "Full jitter" backoff: spreads contending retries so they do not collide again in lockstep. */
export const backoffDelayMs = (attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: () => number = Math.random): number =>
  Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt));

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface RetryOptions {
  policy: RetryPolicy;
  /** Whether this failure (attempt 0 is the first try) is worth another try; the last attempt's failure is thrown regardless. */
  retryOn: (error: unknown, attempt: number) => boolean;
  /** The wait before the next try, when the failure says how long (a service's Retry-After); default: backoff with jitter. */
  delayMs?: (error: unknown, attempt: number) => number;
  /** How to wait: a host can make waits interruptible. */
  wait?: (ms: number) => Promise<void>;
}

/**
 * Runs `operation` until it succeeds, a failure is not worth retrying, or the policy's attempts are
 * spent; waits between tries with full-jitter backoff. The one retry loop of the product.
 */
export const retry = async <T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> => {
  const { policy, retryOn, delayMs = (_error, attempt) => backoffDelayMs(attempt, policy), wait = sleep } = options;
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt + 1 >= policy.maxAttempts || !retryOn(error, attempt)) throw error;
      const delay = delayMs(error, attempt);
      if (delay > 0) await wait(delay);
    }
  }
};
