import { z } from 'zod';
import {
  backoffDelayMs,
  EventLogError,
  HaltRecord,
  SkipRecord,
  type EventEnvelope,
  type GlobalLog,
  type JsonObject,
  type RetryPolicy,
  type ViewStore,
} from '../core/index.ts';
import { describeError } from '../projections/handlerAttempts.ts';
import type { DeliveredEvent, ProjectionEntry } from '../projections/runtime.ts';
import { Signal } from '../projections/signal.ts';
import { MAX_SKIP_RECORDS } from '../projections/stateRecords.ts';
import { updateDocument } from '../projections/updateDocument.ts';

// A reactor turns events into side effects (a mail), so unlike a projection its handler is neither
// pure nor synchronous, and replaying it is not free: it cannot run inside the projection runtime's
// batch applier. It shares everything else: delivery in log order with a checkpoint, a halt record
// for a poison event with resume and skip, and the entry shape `GET /api/projections` lists. It adds
// pause: a paused reactor takes no events, and keeps its place in the log until resumed.

/** A reactor's durable record, in the region's view store beside the projections' documents. */
export const ReactorState = z.object({
  /** Global log position of the last event handled (0 where the host has no global log). */
  position: z.number().int().min(0),
  eventsHandled: z.number().int().min(0),
  halt: HaltRecord.optional(),
  paused: z.object({ at: z.string() }).optional(),
  skipped: z.array(SkipRecord),
  updatedAt: z.string(),
});
export type ReactorState = z.infer<typeof ReactorState>;

/** Internal view name of reactor records (public view names start with a letter). */
export const REACTOR_STATE_VIEW = '_reactors';

export interface ReactorDefinition {
  /** Listed, paused and resumed by this name, among the projections. */
  name: string;
  eventTypes: readonly string[];
  /** The side effect of one event. Runs at least once per event, so it must be idempotent. */
  handle(event: EventEnvelope): Promise<void>;
  /** Errors that mean "later" (a service down): retried without end, never poison. */
  isTransient(error: unknown): boolean;
  /** Extra status for the listing, such as the state of a circuit breaker. */
  status?(): Record<string, unknown>;
}

/** The reactor does not take events now: paused, halted, or backing off from a service that is down. */
export class ReactorHeldError extends EventLogError {
  readonly code = 'reactor-held';
  readonly reactor: string;
  readonly reason: 'paused' | 'halted' | 'retrying';
  readonly retryAfterMs: number;
  constructor(reactor: string, reason: 'paused' | 'halted' | 'retrying', detail: string, retryAfterMs = 0, cause?: unknown) {
    super(`reactor ${reactor} is ${reason}: ${detail}`, { cause });
    this.reactor = reactor;
    this.reason = reason;
    this.retryAfterMs = retryAfterMs;
  }
}

export class ReactorNotRebuildableError extends EventLogError {
  readonly code = 'reactor-not-rebuildable';
  constructor(reactor: string) {
    super(`${reactor} is a reactor: it has side effects and no views, so there is nothing to rebuild; use resume`);
  }
}

export interface ReactorRunnerOptions {
  definition: ReactorDefinition;
  views: ViewStore;
  /** Attempts of an event whose handler fails for a reason that is not transient, before it halts the reactor. */
  maxAttempts: number;
  /** Backoff between retries; transient failures also honour the service's own hint. */
  backoff?: { baseDelayMs: number; maxDelayMs: number };
  /** The global log, where the host has one: lag is measured against its head. */
  log?: GlobalLog;
  clock?: () => Date;
}

export interface BatchOptions {
  /** How long one batch may keep retrying a transient failure before it hands back (a Functions invocation is bounded). */
  retryBudgetMs: number;
}

type Attempt = { kind: 'done' } | { kind: 'poison'; error: unknown; attempts: number } | { kind: 'later'; error: unknown; retryAfterMs: number };

const DEFAULT_BACKOFF = { baseDelayMs: 100, maxDelayMs: 30_000 };

const retryHint = (error: unknown): number => {
  const hint = (error as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return typeof hint === 'number' && Number.isFinite(hint) ? hint : 0;
};

export class ReactorRunner {
  readonly name: string;
  /** Notified on pause and resume: waiting loops look again at once. */
  readonly control = new Signal();
  private readonly options: ReactorRunnerOptions;
  private readonly retry: RetryPolicy;
  private lastError: string | undefined;
  private interrupted = false;

  constructor(options: ReactorRunnerOptions) {
    this.options = options;
    this.name = options.definition.name;
    this.retry = { maxAttempts: Math.max(1, options.maxAttempts), ...(options.backoff ?? DEFAULT_BACKOFF) };
  }

  get eventTypes(): readonly string[] {
    return this.options.definition.eventTypes;
  }

  async state(): Promise<ReactorState> {
    return this.stateOf(await this.options.views.get(REACTOR_STATE_VIEW, this.name));
  }

  /**
   * Handles a batch in order. Stops at the first event that must wait (a transient failure outlasting
   * the retry budget: throws `ReactorHeldError` 'retrying' after saving the progress before it) or that
   * is poison (halts, records it, returns). Throws while paused or halted, so a change-feed trigger
   * retries the batch instead of checkpointing past it.
   */
  async handleBatch(events: readonly DeliveredEvent[], options: BatchOptions): Promise<{ processed: number; halt?: HaltRecord }> {
    const state = await this.state();
    if (state.paused !== undefined) throw new ReactorHeldError(this.name, 'paused', `since ${state.paused.at}; resume it to go on`);
    if (state.halt !== undefined)
      throw new ReactorHeldError(this.name, 'halted', `on event ${state.halt.eventId} of ${state.halt.streamId}: resume or skip it`);
    this.interrupted = false;
    const skip = new Set(state.skipped.map((s) => s.eventId));
    const deadline = Date.now() + options.retryBudgetMs;
    let processed = 0;
    let handled = 0;
    let halt: HaltRecord | undefined;
    let later: Extract<Attempt, { kind: 'later' }> | undefined;
    try {
      for (const event of events) {
        if (this.interrupted) break;
        if (!skip.has(event.id) && this.eventTypes.includes(event.type)) {
          const outcome = await this.attempt(event, deadline);
          if (outcome.kind === 'poison') {
            halt = this.haltRecord(event, outcome.error, outcome.attempts);
            break;
          }
          if (outcome.kind === 'later') {
            later = outcome;
            break;
          }
          handled++;
        }
        processed++;
      }
    } finally {
      const done = events.slice(0, processed);
      const position = done.reduce((max, e) => Math.max(max, e.position ?? 0), 0);
      if (processed > 0 || halt !== undefined)
        await this.update((current) => ({
          ...current,
          position: Math.max(current.position, position),
          eventsHandled: current.eventsHandled + handled,
          halt: halt ?? current.halt,
          updatedAt: this.now(),
        }));
    }
    if (later !== undefined)
      throw new ReactorHeldError(this.name, 'retrying', describeError(later.error), later.retryAfterMs, later.error);
    if (halt !== undefined) this.lastError = halt.error;
    return { processed, ...(halt === undefined ? {} : { halt }) };
  }

  private async attempt(event: EventEnvelope, deadline: number): Promise<Attempt> {
    let failures = 0;
    for (let transient = 0; ; ) {
      try {
        await this.options.definition.handle(event);
        this.lastError = undefined;
        return { kind: 'done' };
      } catch (error) {
        this.lastError = describeError(error);
        let delay: number;
        if (this.options.definition.isTransient(error)) {
          delay = Math.max(backoffDelayMs(Math.min(transient++, 20), this.retry), retryHint(error));
          if (Date.now() + delay > deadline || this.interrupted) return { kind: 'later', error, retryAfterMs: delay };
        } else {
          if (++failures >= this.retry.maxAttempts) return { kind: 'poison', error, attempts: failures };
          delay = backoffDelayMs(failures, this.retry);
        }
        await this.control.wait(delay);
        if (this.interrupted) return { kind: 'later', error, retryAfterMs: 0 };
      }
    }
  }

  /** Stops the batch in progress after its current event (on pause, or when the host stops). */
  interrupt(): void {
    this.interrupted = true;
    this.control.notify();
  }

  async pause(): Promise<ProjectionEntry> {
    await this.update((state) => (state.paused !== undefined ? undefined : { ...state, paused: { at: this.now() }, updatedAt: this.now() }));
    this.interrupt();
    return this.entry();
  }

  /** Clears a pause and a halt; with `skip`, the event it halted on is recorded as skipped and passed. */
  async resume(options: { skip: boolean }): Promise<ProjectionEntry> {
    await this.update((state) => {
      if (state.paused === undefined && state.halt === undefined) return undefined;
      const { halt, paused: _paused, ...rest } = state;
      const skipped =
        options.skip && halt !== undefined ? [...state.skipped, { ...halt, skippedAt: this.now() }].slice(-MAX_SKIP_RECORDS) : state.skipped;
      return { ...rest, skipped, updatedAt: this.now() };
    });
    this.lastError = undefined;
    this.interrupted = false;
    this.control.notify();
    return this.entry();
  }

  /** Hosts report failures that are not the events' fault (store down), so the listing shows them. */
  noteFailure(error: unknown): void {
    this.lastError = describeError(error);
  }

  async entry(): Promise<ProjectionEntry & Record<string, unknown>> {
    const [state, head] = await Promise.all([this.state(), this.options.log?.headPosition()]);
    const lastError = state.halt?.error ?? (state.paused ? `paused by an operator at ${state.paused.at}` : this.lastError);
    return {
      name: this.name,
      kind: 'reactor',
      status: state.halt !== undefined || state.paused !== undefined ? 'halted' : 'running',
      position: this.options.log === undefined ? state.eventsHandled : state.position,
      lag: head === undefined ? null : Math.max(0, head - state.position),
      ...(lastError === undefined ? {} : { lastError }),
      version: 1,
      generation: 1,
      eventsApplied: state.eventsHandled,
      paused: state.paused !== undefined,
      ...(state.halt === undefined ? {} : { halt: state.halt }),
      skipped: state.skipped,
      ...this.options.definition.status?.(),
    };
  }

  private async update(change: (state: ReactorState) => ReactorState | undefined): Promise<void> {
    await updateDocument(this.options.views, REACTOR_STATE_VIEW, this.name, (stored) => {
      const next = change(this.stateOf(stored));
      if (next === undefined) return undefined;
      return { view: REACTOR_STATE_VIEW, key: this.name, data: next, positions: {}, updatedAt: this.now() };
    });
  }

  /** The stored record, parsed (so a fresh object), or the record of a reactor that has not run yet. */
  private stateOf(stored: { data: JsonObject | null } | undefined): ReactorState {
    return stored?.data ? ReactorState.parse(stored.data) : { position: 0, eventsHandled: 0, skipped: [], updatedAt: this.now() };
  }

  private haltRecord(event: DeliveredEvent, error: unknown, attempts: number): HaltRecord {
    return {
      eventId: event.id,
      streamId: event.streamId,
      sequence: event.sequence,
      type: event.type,
      ...(event.position === undefined ? {} : { position: event.position }),
      error: describeError(error),
      attempts,
      at: this.now(),
      phase: 'live',
    };
  }

  private now(): string {
    return (this.options.clock?.() ?? new Date()).toISOString();
  }
}
