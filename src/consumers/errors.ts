import { ConflictError, ProblemError, NotFoundError } from '../core/index.ts';

export class UnknownConsumerError extends NotFoundError {
  constructor(name: string) {
    super(`no projection named ${name}`);
  }
}

export class UnknownViewError extends NotFoundError {
  constructor(view: string) {
    super(`no view named ${view}`);
  }
}

export type HeldReason = 'halted' | 'switching' | 'paused' | 'retrying';

/**
 * The consumer does not take events now: halted on a poison event, switching to a rebuilt generation,
 * paused by an operator, or backing off from a service that is down. A change-feed trigger throws it
 * so the host's retry policy holds the batch (and its lease) instead of checkpointing past events that
 * were never handled.
 */
export class ConsumerHeldError extends ProblemError('consumer-held', 503, 'Consumer not taking events') {
  readonly consumer: string;
  readonly reason: HeldReason;
  readonly retryAfterMs: number;
  override readonly retryAfterSeconds: number;
  constructor(consumer: string, reason: HeldReason, detail: string, retryAfterMs = 0, cause?: unknown) {
    super(`${consumer} is ${reason}: ${detail}`, { cause });
    this.consumer = consumer;
    this.reason = reason;
    this.retryAfterMs = retryAfterMs;
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  }
}

export const notRebuildable = (name: string): ConflictError =>
  new ConflictError(
    'not-rebuildable',
    'Reactors cannot be rebuilt',
    `${name} is a reactor: it has side effects and no views, so there is nothing to rebuild; use resume`,
  );

export const notPausable = (name: string): ConflictError =>
  new ConflictError('not-pausable', 'Projections cannot be paused', `${name} is a projection; only reactors (side-effect consumers) can be paused`);
