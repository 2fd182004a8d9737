import type { EventEnvelope } from './envelope.ts';
import type { EventStore } from './ports.ts';
import type { Logger } from './logger.ts';

// A reactor turns events into side effects (a mail), so unlike a projection its handler is neither
// pure nor synchronous, and replaying it is not free. The consumer runtime delivers it events in log
// order with a checkpoint, halts it on a poison event until resumed or skipped, and lets an operator
// pause it; it is never rebuilt.

export interface ReactorHandler {
  /** The side effect of one event. Runs at least once per event, so it must be idempotent. */
  handle(event: EventEnvelope): Promise<void>;
  /** Errors that mean "later" (a service down): retried without end, never poison. */
  isTransient(error: unknown): boolean;
  /** Extra status for the listing, such as the state of a circuit breaker. */
  status?(): Record<string, unknown>;
}

/** What a host gives a reactor when it starts it. */
export interface ReactorContext {
  /** The log, for the events a reactor records (e.g. that a mail was sent). */
  store: EventStore;
  region: string;
  logger: Logger;
}

/** A reactor as a module declares it: data, started once per host with the host's context. */
export interface ReactorDefinition {
  /** Listed, paused and resumed by this name, among the projections (the same rules as projection names). */
  name: string;
  /** Event types it handles; other events only advance its checkpoint. */
  eventTypes: readonly string[];
  start(context: ReactorContext): ReactorHandler | Promise<ReactorHandler>;
}

/** A reactor a host has started. */
export interface StartedReactor {
  definition: ReactorDefinition;
  handler: ReactorHandler;
}
