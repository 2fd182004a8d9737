import { describe, expect, it } from 'vitest';
import { CircuitBreaker, CircuitOpenError } from '../../src/reactors/circuitBreaker.ts';

class Down extends Error {}
class Refused extends Error {}

const breakerAt = (clock: { now: number }) =>
  new CircuitBreaker({ name: 'mail', failureThreshold: 3, openMs: 1_000, isFailure: (e) => e instanceof Down, clock: () => clock.now });
const fail = (error: Error) => () => Promise.reject(error);
const ok = () => Promise.resolve('sent');

describe('circuit breaker', () => {
  it('opens after the threshold of failures in a row, then fails fast without calling the service', async () => {
    const clock = { now: 0 };
    const breaker = breakerAt(clock);
    for (let i = 0; i < 3; i++) await expect(breaker.run(fail(new Down()))).rejects.toBeInstanceOf(Down);
    expect(breaker.status()).toMatchObject({ state: 'open', consecutiveFailures: 3, opened: 1 });
    let called = false;
    const error = await breaker.run(async () => ((called = true), 'x')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect((error as CircuitOpenError).retryAfterMs).toBe(1_000);
    expect(called).toBe(false);
  });

  it('a success before the threshold resets the count', async () => {
    const breaker = breakerAt({ now: 0 });
    await expect(breaker.run(fail(new Down()))).rejects.toThrow();
    await expect(breaker.run(fail(new Down()))).rejects.toThrow();
    await breaker.run(ok);
    await expect(breaker.run(fail(new Down()))).rejects.toThrow();
    expect(breaker.status()).toMatchObject({ state: 'closed', consecutiveFailures: 1 });
  });

  it('after the open interval one probe goes through: success closes, failure opens again', async () => {
    const clock = { now: 0 };
    const breaker = breakerAt(clock);
    for (let i = 0; i < 3; i++) await breaker.run(fail(new Down())).catch(() => {});
    clock.now = 1_000;
    expect(breaker.status().state).toBe('half-open');
    await expect(breaker.run(fail(new Down()))).rejects.toBeInstanceOf(Down);
    expect(breaker.status()).toMatchObject({ state: 'open', opened: 2 });
    await expect(breaker.run(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    clock.now = 2_000;
    expect(await breaker.run(ok)).toBe('sent');
    expect(breaker.status()).toEqual({ state: 'closed', consecutiveFailures: 0, opened: 2 });
  });

  it('lets only one probe through at a time while half-open', async () => {
    const clock = { now: 0 };
    const breaker = breakerAt(clock);
    for (let i = 0; i < 3; i++) await breaker.run(fail(new Down())).catch(() => {});
    clock.now = 1_000;
    let release!: () => void;
    const probe = breaker.run(() => new Promise<string>((resolve) => (release = () => resolve('probe'))));
    await expect(breaker.run(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    release();
    expect(await probe).toBe('probe');
    expect(breaker.status().state).toBe('closed');
  });

  it('errors that do not say the service is down pass through and do not count', async () => {
    const breaker = breakerAt({ now: 0 });
    for (let i = 0; i < 5; i++) await expect(breaker.run(fail(new Refused()))).rejects.toBeInstanceOf(Refused);
    expect(breaker.status()).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
  });
});
