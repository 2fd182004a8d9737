import { EventLogError, NotFoundError } from '../core/index.ts';

export class UnknownProjectionError extends NotFoundError {
  constructor(name: string) {
    super(`no projection named ${name}`);
  }
}

export class UnknownViewError extends NotFoundError {
  constructor(view: string) {
    super(`no view named ${view}`);
  }
}

/**
 * The projection does not take events now: it is halted on a poison event, or switching to a rebuilt
 * generation. The change-feed trigger throws it so the host's retry policy holds the batch (and its
 * lease) instead of checkpointing past events that were never applied.
 */
export class ProjectionHeldError extends EventLogError {
  readonly code = 'projection-held';
  readonly projection: string;
  readonly reason: 'halted' | 'switching';
  constructor(projection: string, reason: 'halted' | 'switching', detail: string) {
    super(`projection ${projection} is ${reason}: ${detail}`);
    this.projection = projection;
    this.reason = reason;
  }
}
