import { backoffDelayMs, type RetryPolicy } from '../core/index.ts';

/** Four tries, full-jitter backoff from 100 ms, and no single wait above 5 s (a longer Retry-After ends the retries). */
export const DEFAULT_CLIENT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 5_000 };

/**
 * Answers worth another try of an idempotent request: throttled (429), store unavailable or view not
 * caught up (503), and the gateway errors a load balancer in front of a Function App produces (502, 504).
 */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** `Retry-After` as milliseconds: delta-seconds or an HTTP-date (RFC 9110, 10.2.3); undefined when absent or unreadable. */
export const parseRetryAfter = (header: string | null | undefined, now: number = Date.now()): number | undefined => {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (/^[0-9]{1,9}$/.test(value)) return Number(value) * 1000;
  // Every HTTP-date form starts with a day name; this keeps numbers such as "-1" from parsing as years.
  const at = /^[A-Za-z]{3}/.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
};

/**
 * How long to wait before try `attempt + 1` (attempt counts from 0), or undefined to give up. A server's
 * Retry-After is honoured, never shortened: when it asks for more than the policy's longest wait, the
 * client gives up at once instead of retrying early.
 */
export const nextRetryDelayMs = (
  attempt: number,
  policy: RetryPolicy,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number | undefined => {
  if (attempt + 1 >= policy.maxAttempts) return undefined;
  if (retryAfterMs !== undefined) return retryAfterMs <= policy.maxDelayMs ? retryAfterMs : undefined;
  return backoffDelayMs(attempt, policy, random);
};
