import {
  ConcurrencyError,
  ProjectionName,
  StoreUnavailableError,
  type EventEnvelope,
  type ReactorContext,
  type ReactorDefinition,
  type ReactorHandler,
} from '../core/index.ts';
import { CircuitBreaker, CircuitOpenError } from './circuitBreaker.ts';
import { MailerUnavailableError } from './mailer.ts';

// A reactor as a team declares it: which events, what it opens once (a mailer, a client), and the side
// effect of one event. The consumer runtime does the rest: delivery in log order from a checkpoint,
// transient failures waited out without end (with backoff), other failures retried and then a halt on
// that event until an operator resumes or skips it. A circuit breaker in front of the side effect stops
// calling a service that keeps failing, and shows its state in `GET /api/projections`.

/** When to stop calling a failing service for a while: after `failureThreshold` failures in a row, for `openMs`, then one probe. */
export interface CircuitSettings {
  /** Failures in a row that open the circuit (default 5). */
  failureThreshold?: number;
  /** How long it stays open before one probe call (default 30 s). */
  openMs?: number;
  /** Which errors say the service is failing (default: the transient ones); a refusal of one call passes uncounted. */
  isFailure?: (error: unknown) => boolean;
}

/** Errors every reactor waits out: the log or a mail service unavailable, a concurrent write, an open circuit. */
export const isTransientReactorError = (error: unknown): boolean =>
  error instanceof StoreUnavailableError ||
  error instanceof ConcurrencyError ||
  error instanceof CircuitOpenError ||
  error instanceof MailerUnavailableError;

export interface ReactorOptions<Resources extends object> {
  /** Listed, paused and resumed by this name among the projections: lower-case letters, digits and -. */
  name: string;
  /** The event types it reacts to; other events only move its checkpoint. */
  eventTypes: readonly string[];
  /** Opens what the side effect needs (a mailer, a client), once, when a host starts the reactor. */
  open?: (context: ReactorContext) => Resources | Promise<Resources>;
  /**
   * The side effect of one event. It runs at least once per event (again after a crash or a retry), so
   * it must be idempotent: derive ids from `event.id`, check the log for what was already done.
   */
  handle: (event: EventEnvelope, context: ReactorContext & Resources) => Promise<void>;
  /** Errors to wait out (retried without end) beside `isTransientReactorError`; any other error is retried, then halts the reactor. */
  isTransient?: (error: unknown) => boolean;
  /** A circuit breaker in front of `handle` (default: none). */
  circuit?: CircuitSettings;
}

/**
 * Declares a reactor: register it with `createApp({ reactors: [...] })`. Hosts start it only where
 * `REACTORS_ENABLED` is true (one region), so a side effect happens once, not once per region.
 */
export const defineReactor = <Resources extends object = Record<never, never>>(options: ReactorOptions<Resources>): ReactorDefinition => {
  const name = ProjectionName.safeParse(options.name);
  if (!name.success) throw new Error(`reactor name "${options.name}" ${name.error.issues[0]!.message}`);
  if (options.eventTypes.length === 0) throw new Error(`reactor ${options.name} reacts to no event types`);
  const isTransient = (error: unknown): boolean => isTransientReactorError(error) || options.isTransient?.(error) === true;
  return {
    name: options.name,
    eventTypes: [...options.eventTypes],
    start: async (context): Promise<ReactorHandler> => {
      const resources = (await options.open?.(context)) ?? ({} as Resources);
      const tools = { ...context, ...resources };
      const breaker =
        options.circuit &&
        new CircuitBreaker({
          name: options.name,
          failureThreshold: options.circuit.failureThreshold ?? 5,
          openMs: options.circuit.openMs ?? 30_000,
          isFailure: options.circuit.isFailure ?? isTransient,
        });
      const handle = (event: EventEnvelope): Promise<void> => options.handle(event, tools);
      return {
        handle: breaker ? (event) => breaker.run(() => handle(event)) : handle,
        isTransient,
        ...(breaker ? { status: () => ({ circuit: breaker.status() }) } : {}),
      };
    },
  };
};
