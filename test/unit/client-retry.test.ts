import { describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT_RETRY, nextRetryDelayMs, parseRetryAfter } from '../../src/client/retry.ts';

describe('Retry-After parsing', () => {
  it('reads delta-seconds as milliseconds', () => {
    expect(parseRetryAfter('0')).toBe(0);
    expect(parseRetryAfter(' 3 ')).toBe(3000);
  });

  it('reads an HTTP-date as the time left until it', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(parseRetryAfter('Tue, 01 Jan 2030 00:00:07 GMT', now)).toBe(7000);
    expect(parseRetryAfter('Mon, 31 Dec 2029 23:59:00 GMT', now)).toBe(0);
  });

  it('ignores an absent or unreadable header', () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('-1')).toBeUndefined();
  });
});

describe('retry delays', () => {
  const policy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 };

  it('waits exactly what Retry-After asks when the policy allows that long', () => {
    expect(nextRetryDelayMs(0, policy, 700)).toBe(700);
  });

  it('gives up instead of retrying early when Retry-After asks for more than the longest wait', () => {
    expect(nextRetryDelayMs(0, policy, 1001)).toBeUndefined();
  });

  it('backs off with jitter, capped, when the server gives no Retry-After', () => {
    expect(nextRetryDelayMs(0, policy, undefined, () => 0.999)).toBe(99);
    expect(nextRetryDelayMs(1, policy, undefined, () => 0.5)).toBe(100);
    expect(nextRetryDelayMs(1, { ...policy, maxAttempts: 10 }, undefined, () => 0.999)).toBe(199);
    expect(nextRetryDelayMs(8, { ...policy, maxAttempts: 10 }, undefined, () => 0.999)).toBe(999);
  });

  it('stops after the last allowed attempt', () => {
    expect(nextRetryDelayMs(1, policy, 0)).toBe(0);
    expect(nextRetryDelayMs(2, policy, 0)).toBeUndefined();
  });

  it('defaults to a bounded policy', () => {
    expect(DEFAULT_CLIENT_RETRY.maxAttempts).toBeGreaterThan(1);
    expect(DEFAULT_CLIENT_RETRY.maxAttempts).toBeLessThanOrEqual(10);
    expect(DEFAULT_CLIENT_RETRY.maxDelayMs).toBeLessThanOrEqual(30_000);
  });
});
