import { ProblemError } from '../core/index.ts';

// A circuit breaker in front of a service that can go down: after `failureThreshold` failures in a
// row it opens and calls fail at once for `openMs`; then one probe call is let through (half-open):
// success closes the circuit, failure opens it again.

export type CircuitState = 'closed' | 'open' | 'half-open';

export class CircuitOpenError extends ProblemError('circuit-open', 503, 'Service circuit open') {
  readonly retryAfterMs: number;
  constructor(name: string, retryAfterMs: number) {
    super(`circuit ${name} is open: the service failed repeatedly; next probe in ${retryAfterMs} ms`);
    this.retryAfterMs = retryAfterMs;
  }
}

export interface CircuitBreakerOptions {
  name: string;
  failureThreshold: number;
  openMs: number;
  /** Which errors say the service is failing; others (a refused request) pass through uncounted. */
  isFailure: (error: unknown) => boolean;
  clock?: () => number;
}

export interface CircuitStatus {
  state: CircuitState;
  consecutiveFailures: number;
  openedAt?: string;
  /** Times the circuit opened since start. */
  opened: number;
}

export class CircuitBreaker {
  private readonly options: CircuitBreakerOptions;
  private state: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private openings = 0;
  private probing = false;

  constructor(options: CircuitBreakerOptions) {
    this.options = options;
  }

  private now(): number {
    return this.options.clock?.() ?? Date.now();
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.state === 'open') {
      const wait = this.openedAt + this.options.openMs - this.now();
      if (wait > 0) throw new CircuitOpenError(this.options.name, wait);
      this.state = 'half-open';
    }
    // Only the probe itself clears `probing`: a call let in before the circuit opened may end during the probe.
    const probe = this.state === 'half-open';
    if (probe) {
      if (this.probing) throw new CircuitOpenError(this.options.name, this.options.openMs);
      this.probing = true;
    }
    try {
      const result = await work();
      this.state = 'closed';
      this.failures = 0;
      return result;
    } catch (error) {
      if (this.options.isFailure(error)) this.recordFailure();
      else if (this.state === 'half-open') this.state = 'closed';
      throw error;
    } finally {
      if (probe) this.probing = false;
    }
  }

  private recordFailure(): void {
    this.failures++;
    if (this.state === 'half-open' || this.failures >= this.options.failureThreshold) {
      if (this.state !== 'open') this.openings++;
      this.state = 'open';
      this.openedAt = this.now();
    }
  }

  status(): CircuitStatus {
    return {
      state: this.state === 'open' && this.now() >= this.openedAt + this.options.openMs ? 'half-open' : this.state,
      consecutiveFailures: this.failures,
      ...(this.state === 'closed' ? {} : { openedAt: new Date(this.openedAt).toISOString() }),
      opened: this.openings,
    };
  }
}
