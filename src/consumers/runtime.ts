import {
  checkConsumerNames,
  checkProjectionCatalog,
  ConsumerState,
  describeError,
  isAbsentView,
  type CheckpointStore,
  type ReadViewOptions,
  type ConsumerControl,
  type ConsumerEntry,
  type EventEnvelope,
  type GlobalLog,
  type HaltRecord,
  type ProjectionDefinition,
  type ReactorDefinition,
  type ReactorHandler,
  type ReplaySource,
  type RetryPolicy,
  type StartedReactor,
  type ViewRead,
  StoreUnavailableError,
  type ViewStore,
} from '../core/index.ts';
import { ConsumerHeldError, notPausable, notRebuildable, UnknownConsumerError, UnknownViewError } from './errors.ts';
import { applyBatch, ConfirmedProgress, type ApplyContext, type Divergence } from './projection/applyBatch.ts';
import { foldFromLog } from './projection/foldFromLog.ts';
import { RevalidatedViews } from './projection/revalidatedViews.ts';
import { cachedViewStore } from './projection/documentCache.ts';
import { progressViewName, storedViewName } from './projection/viewNames.ts';
import { handleReactorBatch } from './reactor/handleEvents.ts';
import { Signal } from './signal.ts';
import { initialState, MAX_SKIP_RECORDS, statusOf, updateState } from './state.ts';

export interface ConsumerRuntimeOptions {
  projections: readonly ProjectionDefinition[];
  /** Side-effect consumers, already started with the host's context. */
  reactors?: readonly StartedReactor[];
  views: ViewStore;
  checkpoints: CheckpointStore;
  region: string;
  /** Attempts of a throwing handler (with backoff) before its event halts the consumer. */
  maxAttempts: number;
  /** Backoff between a projection handler's attempts. */
  handlerBackoff?: { baseDelayMs: number; maxDelayMs: number };
  /** Backoff between a reactor's attempts; transient failures also honour the service's own hint. */
  reactorBackoff?: { baseDelayMs: number; maxDelayMs: number };
  /** The global log, where the host has one: lag is measured against its head. */
  log?: GlobalLog;
  clock?: () => Date;
  /** How long a generation replaced by a rebuild is kept for reads already in flight. */
  retireAfterMs?: number;
}

/** An event as a host delivers it; the embedded log adds its global position. */
export type DeliveredEvent = EventEnvelope & { position?: number };

export interface DeliveryOptions {
  /** Documents of the delivery that were not events, left out (counted in the consumer's record). */
  ignored?: number;
  /** How long a reactor may wait out a service that is down before the batch hands back. */
  retryBudgetMs?: number;
  /** The consumer's record as the host read it just before this delivery (the follower's step): not read again. */
  state?: ConsumerState;
}

export interface LiveOutcome {
  /** Events worked through from the start of the batch. */
  processed: number;
  /** Events that changed a view, or whose side effect ran. */
  applied: number;
  halted?: HaltRecord;
}

export type RebuildStepOutcome = 'idle' | 'progress' | 'switching' | 'switched' | 'halted';

type Consumer =
  | { kind: 'projection'; name: string; version: number; projection: ProjectionDefinition }
  | { kind: 'reactor'; name: string; version: 1; definition: ReactorDefinition; handler: ReactorHandler };

const DEFAULT_HANDLER_BACKOFF = { baseDelayMs: 50, maxDelayMs: 2_000 };
const DEFAULT_REACTOR_BACKOFF = { baseDelayMs: 100, maxDelayMs: 30_000 };
/** A batch delivered without a budget (tests, tools) waits out a service this long. */
const DEFAULT_RETRY_BUDGET_MS = 5_000;
/** Readers waiting for `atLeast` also re-check this often, for writes made by another process. */
const RECHECK_MS = 250;
/** Documents a runtime remembers between batches (each a few hundred bytes for typical views). */
const DOCUMENT_CACHE_SIZE = 10_000;
/** View documents an instance keeps for the API's reads: the hot ones (a few hundred bytes each, typically). */
const VIEW_READ_CACHE_SIZE = 1_000;
/** Divergence records a state record keeps, newest last. */
const MAX_DIVERGENCE_RECORDS = 10;
/** Where reactors kept their records before they were consumers like projections (read once, then migrated). */
const LEGACY_REACTOR_VIEW = '_reactors';
/**
 * How long counts of batches that change nothing else wait before they are written to the shared
 * record. Many change-feed instances deliver batches of one consumer at once: writing the record per
 * batch would make it a hot document, every write contending with the others'.
 */
const COUNT_FLUSH_MS = 5_000;

/** Counts of batches not yet written to the consumer's record. */
interface PendingCounts {
  eventsApplied: number;
  ignoredDocuments: number;
  since: number;
}

/**
 * The one runtime of everything that follows the log: projections (pure reducers into views) and
 * reactors (side effects). Both hosts hand it batches (the local follower, the Azure change-feed
 * trigger); the views and projections routes read and control it. It keeps no state of its own
 * beyond signals and the last failure per consumer: everything durable is in the region's stores.
 */
export class ConsumerRuntime implements ConsumerControl {
  readonly region: string;
  /** Notified after every batch, so `atLeast` readers re-check at once instead of polling. */
  readonly progress = new Signal();
  /** Notified on resume, pause and rebuild requests, so idle loops and waiting reactors look again at once. */
  readonly control = new Signal();
  private readonly options: ConsumerRuntimeOptions;
  private readonly byName = new Map<string, Consumer>();
  private readonly byView = new Map<string, ProjectionDefinition>();
  private readonly failures = new Map<string, string>();
  private readonly interrupted = new Set<string>();
  private readonly context: ApplyContext;
  private readonly reactorRetry: RetryPolicy;
  /** Hot documents the API reads, revalidated by etag on every read (never served stale). */
  private readonly viewCache: RevalidatedViews;
  /** Per consumer, counts this instance has not written to the record yet (change-feed hosts). */
  private readonly pending = new Map<string, PendingCounts>();
  /** The log, where its order and content are final: progress is its checkpoint's position alone. */
  private readonly orderedLog: GlobalLog | undefined;

  constructor(options: ConsumerRuntimeOptions) {
    checkProjectionCatalog(options.projections);
    this.options = options;
    this.region = options.region;
    for (const projection of options.projections) {
      this.byName.set(projection.name, { kind: 'projection', name: projection.name, version: projection.version, projection });
      for (const view of projection.views) this.byView.set(view.name, projection);
    }
    checkConsumerNames([...this.byName.keys(), ...(options.reactors ?? []).map((r) => r.definition.name)]);
    for (const { definition, handler } of options.reactors ?? [])
      this.byName.set(definition.name, { kind: 'reactor', name: definition.name, version: 1, definition, handler });
    const attempts = Math.max(1, options.maxAttempts);
    const handlerRetry: RetryPolicy = { maxAttempts: attempts, ...(options.handlerBackoff ?? DEFAULT_HANDLER_BACKOFF) };
    this.reactorRetry = { maxAttempts: attempts, ...(options.reactorBackoff ?? DEFAULT_REACTOR_BACKOFF) };
    this.orderedLog = options.log !== undefined && options.log.replacesEvents !== true ? options.log : undefined;
    // Batches read through a cache of recent documents; reads for the API always go to the store.
    this.context = {
      views: cachedViewStore(options.views, DOCUMENT_CACHE_SIZE),
      handlerRetry,
      now: () => this.now(),
      confirmed: new ConfirmedProgress(),
      progress: this.orderedLog === undefined ? { kind: 'documents' } : { kind: 'checkpoint', log: this.orderedLog },
    };
    this.viewCache = new RevalidatedViews(options.views, VIEW_READ_CACHE_SIZE);
  }

  /** Every consumer: projections first, then reactors. */
  get names(): string[] {
    return [...this.byName.keys()];
  }

  get projectionNames(): string[] {
    return [...this.byName.values()].filter((c) => c.kind === 'projection').map((c) => c.name);
  }

  kindOf(name: string): Consumer['kind'] {
    return this.consumer(name).kind;
  }

  definition(name: string): ProjectionDefinition {
    const consumer = this.consumer(name);
    if (consumer.kind !== 'projection') throw notRebuildable(name);
    return consumer.projection;
  }

  /** The consumer's state record, created on first use; a higher projection version starts a rebuild. */
  async state(name: string): Promise<ConsumerState> {
    const consumer = this.consumer(name);
    const stored = await this.options.checkpoints.get(name);
    if (stored !== undefined && !this.outdated(stored.state, consumer)) return stored.state;
    const first = stored === undefined ? await this.firstState(consumer) : undefined;
    const updated = await this.update(consumer, (state) => (this.outdated(state, consumer) ? this.withRebuild(state, consumer) : undefined), first);
    if (updated.rebuild !== undefined) this.control.notify();
    return updated;
  }

  /**
   * Hands a consumer events delivered live (by the local follower or the change-feed trigger). Throws
   * `ConsumerHeldError` while it is halted, paused or switching, and when a reactor must wait out a
   * service longer than the budget (after recording the events it did handle).
   */
  async applyLive(name: string, events: readonly DeliveredEvent[], options: DeliveryOptions = {}): Promise<LiveOutcome> {
    const consumer = this.consumer(name);
    const state = options.state ?? (await this.state(name));
    if (state.halt !== undefined)
      throw new ConsumerHeldError(name, 'halted', `on event ${state.halt.eventId} of ${state.halt.streamId}: resume or skip it`);
    if (state.paused !== undefined) throw new ConsumerHeldError(name, 'paused', `since ${state.paused.at}; resume it to go on`);
    if (state.rebuild?.switching) throw new ConsumerHeldError(name, 'switching', 'to the rebuilt views; retry shortly');
    return consumer.kind === 'projection' ? this.projectLive(consumer, state, events, options) : this.reactLive(consumer, state, events, options);
  }

  /**
   * One step of a rebuild: replays a page of the log into the new generation. Once the replay reaches
   * the head it asks live passes to hold (`switching`), replays to the head once more, and only then
   * switches, so no event applied live to the old generation can be missing from the new one. Live
   * batches meanwhile reach the new generation too (see projectLive), so an event the replay's source
   * had not yet received when it passed is not lost either.
   */
  async rebuildStep(name: string, source: ReplaySource, limit: number): Promise<RebuildStepOutcome> {
    const consumer = this.consumer(name);
    if (consumer.kind !== 'projection') return 'idle';
    const state = await this.state(name);
    const rebuild = state.rebuild;
    if (rebuild === undefined || state.halt !== undefined) return 'idle';

    const page = await source.readFrom(rebuild.cursor, limit);
    const target = { projection: consumer.projection, generation: rebuild.generation, skip: skippedIds(state), recordedPosition: rebuild.position };
    const outcome = await applyBatch(this.context, target, page.events);
    const sameRebuild = (current: ConsumerState): boolean => current.rebuild?.generation === rebuild.generation;
    if (outcome.divergences.length > 0) {
      await this.repairRebuild(consumer, rebuild.generation, outcome.divergences);
      return 'progress';
    }

    if (outcome.poison !== undefined) {
      // The cursor stays at the page start: on resume the page is read again and its applied part skipped.
      const halt = this.haltRecord(outcome.poison.event, outcome.poison.error, outcome.poison.attempts, 'rebuild');
      await this.update(consumer, (current) => (sameRebuild(current) ? { ...current, halt, updatedAt: this.now() } : undefined));
      this.progress.notify();
      return 'halted';
    }

    let result: RebuildStepOutcome = 'progress';
    await this.update(consumer, (current) => {
      if (!sameRebuild(current)) return undefined;
      const advanced = {
        ...current.rebuild!,
        cursor: page.cursor,
        position: page.position ?? current.rebuild!.position,
        eventsApplied: current.rebuild!.eventsApplied + outcome.processed,
      };
      if (!page.caughtUp) return { ...current, rebuild: advanced, updatedAt: this.now() };
      if (!rebuild.switching) {
        result = 'switching';
        return { ...current, rebuild: { ...advanced, switching: true }, updatedAt: this.now() };
      }
      result = 'switched';
      const { rebuild: _done, ...rest } = current;
      return {
        ...rest,
        generation: advanced.generation,
        definitionVersion: advanced.definitionVersion,
        position: page.position ?? current.position,
        eventsApplied: advanced.eventsApplied,
        ...(current.divergence === undefined
          ? {}
          : { divergence: { ...current.divergence, repaired: Math.min(current.divergence.detected, current.divergence.repaired + advanced.repairs) } }),
        retired: [...current.retired, { generation: current.generation, at: this.now() }],
        updatedAt: this.now(),
      };
    });
    this.confirm(consumer.projection, rebuild.generation, outcome.reached);
    this.progress.notify();
    return result;
  }

  /** Starts a rebuild into a fresh generation; one already under way is abandoned for it. Projections only. */
  async requestRebuild(name: string): Promise<ConsumerEntry> {
    const consumer = this.consumer(name);
    if (consumer.kind !== 'projection') throw notRebuildable(name);
    await this.update(consumer, (state) => this.withRebuild(state, consumer));
    this.control.notify();
    return this.entry(name);
  }

  /** Clears a halt (and a reactor's pause) so the event is tried again, or with `skip` records it as skipped and moves past it. */
  async resume(name: string, options: { skip: boolean }): Promise<ConsumerEntry> {
    const consumer = this.consumer(name);
    await this.update(consumer, (state) => {
      if (state.halt === undefined && state.paused === undefined) return undefined;
      const { halt, paused: _paused, ...rest } = state;
      const skipped = options.skip && halt !== undefined ? [...state.skipped, { ...halt, skippedAt: this.now() }].slice(-MAX_SKIP_RECORDS) : state.skipped;
      return { ...rest, skipped, updatedAt: this.now() };
    });
    this.failures.delete(name);
    this.interrupted.delete(name);
    this.control.notify();
    return this.entry(name);
  }

  /** A reactor takes no events, keeping its place in the log, until resumed; a batch under way stops after its current event. */
  async pause(name: string): Promise<ConsumerEntry> {
    const consumer = this.consumer(name);
    if (consumer.kind !== 'reactor') throw notPausable(name);
    await this.update(consumer, (state) => (state.paused !== undefined ? undefined : { ...state, paused: { at: this.now() }, updatedAt: this.now() }));
    this.interrupt(name);
    return this.entry(name);
  }

  /** Stops a reactor's batch in progress after its current event (on pause, or when the host stops). */
  interrupt(name?: string): void {
    for (const consumer of name === undefined ? this.names : [name]) this.interrupted.add(consumer);
    this.control.notify();
  }

  /** Drops generations a rebuild replaced, once no read can still be using them. */
  async dropRetired(name: string): Promise<void> {
    const consumer = this.consumer(name);
    if (consumer.kind !== 'projection') return;
    const state = await this.state(name);
    const cutoff = this.options.clock?.().getTime() ?? Date.now();
    const due = state.retired.filter((r) => cutoff - Date.parse(r.at) >= (this.options.retireAfterMs ?? 60_000));
    if (due.length === 0) return;
    for (const { generation } of due) {
      for (const view of consumer.projection.views) await this.context.views.dropView(storedViewName(view.name, generation));
      await this.context.views.dropView(progressViewName(name, generation));
    }
    const dropped = new Set(due.map((r) => r.generation));
    await this.update(consumer, (current) => ({ ...current, retired: current.retired.filter((r) => !dropped.has(r.generation)) }));
  }

  /** Where a follower without global positions resumes the consumer's live pass (an opaque cursor of its source). */
  async saveCursor(name: string, cursor: string): Promise<void> {
    await this.update(this.consumer(name), (state) => (state.cursor === cursor ? undefined : { ...state, cursor }));
  }

  /** Hosts report failures that are not the events' fault (store down), so the listing shows them. */
  noteFailure(name: string, error: unknown): void {
    this.failures.set(name, describeError(error));
  }

  clearFailure(name: string): void {
    this.failures.delete(name);
  }

  async entries(): Promise<ConsumerEntry[]> {
    const head = await this.options.log?.headPosition();
    return Promise.all(this.names.map((name) => this.entryAt(name, head)));
  }

  async entry(name: string): Promise<ConsumerEntry> {
    this.consumer(name);
    return this.entryAt(name, await this.options.log?.headPosition());
  }

  /**
   * Reads a view document. With `atLeast`, first waits (up to `waitMs`) until this region's projection
   * has processed that stream up to that sequence, woken by each applied batch. With `fallback`, a view
   * kept from one stream is answered from the log (folded in the write region) when this region's views
   * are unreachable or not caught up in time: local first, central when local cannot answer.
   */
  async readView(view: string, key: string, options: ReadViewOptions): Promise<ViewRead> {
    const projection = this.byView.get(view);
    if (projection === undefined) throw new UnknownViewError(view);
    const central = (): Promise<ViewRead | undefined> =>
      options.fallback === undefined ? Promise.resolve(undefined) : foldFromLog(projection, view, key, options.fallback, this.now());
    let local: ViewRead;
    try {
      local = await this.readLocally(projection, view, key, options);
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      const folded = await central();
      if (folded === undefined) throw error;
      return folded;
    }
    return local.kind === 'not-caught-up' ? ((await central()) ?? local) : local;
  }

  /** How often hot view documents were still as cached (revalidated without a body), since start. */
  get viewCacheStats(): { hits: number; misses: number } {
    return { ...this.viewCache.stats };
  }

  private async readLocally(projection: ProjectionDefinition, view: string, key: string, options: ReadViewOptions): Promise<ViewRead> {
    const deadline = Date.now() + options.waitMs;
    for (;;) {
      const state = (await this.options.checkpoints.get(projection.name))?.state;
      const generation = state?.generation ?? 1;
      if (options.atLeast !== undefined) {
        const appliedSequence = await this.appliedSequence(projection, generation, state, options.atLeast);
        if (appliedSequence < options.atLeast.sequence) {
          const remaining = deadline - Date.now();
          if (remaining <= 0)
            return { kind: 'not-caught-up', projection: projection.name, status: state === undefined ? 'running' : statusOf(state), appliedSequence };
          await this.progress.wait(Math.min(remaining, RECHECK_MS));
          continue;
        }
      }
      const document = await this.viewCache.read(storedViewName(view, generation), key);
      return document === undefined || isAbsentView(document.data) ? { kind: 'absent', source: 'views' } : { kind: 'found', document, source: 'views' };
    }
  }

  /**
   * How far the generation has processed a stream, as far as `atLeast` asks: its progress document, or
   * with checkpoint progress whether the checkpoint passed where the log holds that event.
   */
  private async appliedSequence(projection: ProjectionDefinition, generation: number, state: ConsumerState | undefined, atLeast: { streamId: string; sequence: number }): Promise<number> {
    const { streamId, sequence } = atLeast;
    if (this.orderedLog === undefined) {
      const progress = await this.options.views.get(progressViewName(projection.name, generation), streamId);
      return progress?.positions[streamId] ?? 0;
    }
    const position = await this.orderedLog.positionOf(streamId, sequence);
    const checkpoint = state?.generation === generation ? state.position : 0;
    return position !== undefined && position <= checkpoint ? sequence : 0;
  }

  private async projectLive(
    consumer: Extract<Consumer, { kind: 'projection' }>,
    state: ConsumerState,
    events: readonly DeliveredEvent[],
    options: DeliveryOptions,
  ): Promise<LiveOutcome> {
    const skip = skippedIds(state);
    const outcome = await applyBatch(this.context, { projection: consumer.projection, generation: state.generation, skip, recordedPosition: state.position }, events);
    const halt = outcome.poison && this.haltRecord(outcome.poison.event, outcome.poison.error, outcome.poison.attempts, 'live');
    const processed = events.slice(0, outcome.processed);
    // A generation a rebuild is filling gets the live events too, where its replay has already reached their
    // stream: the replay's source may not have had them when it passed. Its own failures wait for the replay.
    // (A log read in one order that never changes needs none of this: the replay reads all the live pass does.)
    const rebuild = this.orderedLog === undefined ? state.rebuild : undefined;
    const intoRebuild =
      rebuild && (await applyBatch(this.context, { projection: consumer.projection, generation: rebuild.generation, skip, contiguousOnly: true }, processed));
    if (outcome.divergences.length > 0) await this.noteDivergences(consumer, outcome.divergences);
    else if (rebuild && intoRebuild && intoRebuild.divergences.length > 0) await this.repairRebuild(consumer, rebuild.generation, intoRebuild.divergences);
    await this.record(consumer, processed, outcome.processed, halt, options.ignored);
    this.confirm(consumer.projection, state.generation, outcome.reached);
    return { processed: outcome.processed, applied: outcome.applied, halted: halt };
  }

  private async reactLive(
    consumer: Extract<Consumer, { kind: 'reactor' }>,
    state: ConsumerState,
    events: readonly DeliveredEvent[],
    options: DeliveryOptions,
  ): Promise<LiveOutcome> {
    this.interrupted.delete(consumer.name);
    const outcome = await handleReactorBatch(consumer.handler, events, {
      eventTypes: consumer.definition.eventTypes,
      skip: skippedIds(state),
      retry: this.reactorRetry,
      deadline: Date.now() + (options.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS),
      interrupted: () => this.interrupted.has(consumer.name),
      wait: (ms) => this.control.wait(ms),
      noteFailure: (error) => (error === undefined ? this.failures.delete(consumer.name) : this.noteFailure(consumer.name, error)),
    });
    const stopped = outcome.stoppedAt;
    const halt = stopped?.outcome.kind === 'poison' ? this.haltRecord(stopped.event, stopped.outcome.error, stopped.outcome.attempts, 'live') : undefined;
    // A reactor counts the events whose side effect ran; the others only move its checkpoint.
    await this.record(consumer, events.slice(0, outcome.processed), outcome.handled, halt, options.ignored);
    if (stopped?.outcome.kind === 'later')
      throw new ConsumerHeldError(consumer.name, 'retrying', describeError(stopped.outcome.error), stopped.outcome.retryAfterMs, stopped.outcome.error);
    return { processed: outcome.processed, applied: outcome.handled, halted: halt };
  }

  /**
   * The serving views applied events the log no longer holds at those positions: a forced failover
   * replaced them. Recorded, logged by the host, and repaired from the log by a rebuild (one already
   * under way takes them on: its replay reads the log as it is now).
   */
  private async noteDivergences(consumer: Consumer, divergences: readonly Divergence[]): Promise<void> {
    const at = this.now();
    await this.update(consumer, (state) => {
      const before = state.divergence ?? { detected: 0, repaired: 0, last: [] };
      const divergence = {
        detected: before.detected + divergences.length,
        repaired: before.repaired,
        last: [...before.last, ...divergences.map((d) => ({ ...d, at }))].slice(-MAX_DIVERGENCE_RECORDS),
      };
      const rebuilding = state.rebuild !== undefined ? { ...state, rebuild: { ...state.rebuild, repairs: state.rebuild.repairs + divergences.length } } : this.withRebuild(state, consumer, divergences.length);
      return { ...rebuilding, divergence, updatedAt: at };
    });
    this.control.notify();
  }

  /** The generation a rebuild is filling applied an event the log has since replaced: the rebuild starts over. */
  private async repairRebuild(consumer: Consumer, generation: number, divergences: readonly Divergence[]): Promise<void> {
    await this.update(consumer, (state) =>
      state.rebuild?.generation === generation ? this.withRebuild(state, consumer, state.rebuild.repairs) : undefined,
    );
    this.failures.set(consumer.name, `rebuild restarted: ${divergences.length} event(s) replaced in the log since the replay read them`);
    this.control.notify();
  }

  /**
   * What a live batch changed in the consumer's record: position, counts, a halt. A batch that moves
   * no global position and halts nothing (a change-feed batch) only adds to counts: those are written
   * with the next change of the record, or after COUNT_FLUSH_MS, so concurrent batches do not contend for it.
   */
  private async record(consumer: Consumer, processed: readonly DeliveredEvent[], counted: number, halt: HaltRecord | undefined, ignored = 0): Promise<void> {
    const lastPosition = processed.reduce((max, event) => Math.max(max, event.position ?? 0), 0);
    if (processed.length > 0 || ignored > 0) {
      let pending = this.pending.get(consumer.name);
      if (pending === undefined) {
        pending = { eventsApplied: 0, ignoredDocuments: 0, since: Date.now() };
        this.pending.set(consumer.name, pending);
        this.flushLater(consumer);
      }
      pending.eventsApplied += counted;
      pending.ignoredDocuments += ignored;
    }
    const due = Date.now() - (this.pending.get(consumer.name)?.since ?? Infinity) >= COUNT_FLUSH_MS;
    if (lastPosition > 0 || halt !== undefined || due)
      await this.update(consumer, (current) => ({
        ...current,
        position: Math.max(current.position, lastPosition),
        halt: halt ?? current.halt,
        updatedAt: this.now(),
      }));
    this.progress.notify();
  }

  /** Counts left pending by a last batch are written once they are due, even if no batch follows. */
  private flushLater(consumer: Consumer): void {
    const timer = setTimeout(() => {
      if (!this.pending.has(consumer.name)) return;
      this.update(consumer, (current) => ({ ...current, updatedAt: this.now() })).catch((error: unknown) => this.noteFailure(consumer.name, error));
    }, COUNT_FLUSH_MS);
    timer.unref();
  }

  /** Writes the counts this instance holds for every consumer (on close, so none are lost). */
  async flush(): Promise<void> {
    for (const name of [...this.pending.keys()]) await this.update(this.consumer(name), (current) => ({ ...current, updatedAt: this.now() }));
  }

  /** Checkpoint progress: the streams a recorded batch reached no longer need positions in documents. */
  private confirm(projection: ProjectionDefinition, generation: number, reached: ReadonlyMap<string, number>): void {
    if (this.orderedLog !== undefined) this.context.confirmed.setAll(progressViewName(projection.name, generation), reached);
  }

  private async entryAt(name: string, head: number | undefined): Promise<ConsumerEntry> {
    const consumer = this.consumer(name);
    const state = await this.state(name);
    const lastError = state.halt?.error ?? (state.paused ? `paused by an operator at ${state.paused.at}` : this.failures.get(name));
    const lagAt = (position: number): number | null => (head === undefined ? null : Math.max(0, head - position));
    const byPosition = this.options.log !== undefined;
    // With the counts of this instance's batches not yet written to the record.
    const pending = this.pending.get(name);
    const eventsApplied = state.eventsApplied + (pending?.eventsApplied ?? 0);
    return {
      name,
      kind: consumer.kind,
      status: statusOf(state),
      position: byPosition ? state.position : eventsApplied,
      lag: lagAt(state.position),
      ...(lastError === undefined ? {} : { lastError }),
      version: state.definitionVersion,
      generation: state.generation,
      eventsApplied,
      ignoredDocuments: state.ignoredDocuments + (pending?.ignoredDocuments ?? 0),
      ...(state.divergence === undefined ? {} : { divergence: state.divergence }),
      ...(consumer.kind === 'reactor' ? { paused: state.paused !== undefined } : {}),
      ...(state.halt === undefined ? {} : { halt: state.halt }),
      skipped: state.skipped,
      ...(state.rebuild === undefined
        ? {}
        : {
            rebuild: {
              generation: state.rebuild.generation,
              position: byPosition ? state.rebuild.position : state.rebuild.eventsApplied,
              lag: lagAt(state.rebuild.position),
              eventsApplied: state.rebuild.eventsApplied,
              startedAt: state.rebuild.startedAt,
              switching: state.rebuild.switching,
            },
          }),
      ...(consumer.kind === 'reactor' ? consumer.handler.status?.() : {}),
    };
  }

  private consumer(name: string): Consumer {
    const consumer = this.byName.get(name);
    if (consumer === undefined) throw new UnknownConsumerError(name);
    return consumer;
  }

  /** Every write of a record also carries the counts this instance was holding for it. */
  private async update(consumer: Consumer, change: (state: ConsumerState) => ConsumerState | undefined, first?: ConsumerState): Promise<ConsumerState> {
    const pending = this.pending.get(consumer.name);
    const withCounts = (state: ConsumerState): ConsumerState | undefined => {
      const changed = change(state);
      if (pending === undefined || (changed === undefined && pending.eventsApplied === 0 && pending.ignoredDocuments === 0)) return changed;
      const next = changed ?? state;
      return { ...next, eventsApplied: next.eventsApplied + pending.eventsApplied, ignoredDocuments: next.ignoredDocuments + pending.ignoredDocuments };
    };
    // Counts arriving while the write is under way stay pending for the next one.
    if (pending !== undefined) this.pending.delete(consumer.name);
    try {
      const stored = await updateState(this.options.checkpoints, consumer.name, () => first ?? this.initial(consumer), withCounts);
      return stored.state;
    } catch (error) {
      if (pending !== undefined) this.restorePending(consumer.name, pending);
      throw error;
    }
  }

  private restorePending(name: string, counts: PendingCounts): void {
    const now = this.pending.get(name);
    this.pending.set(name, {
      eventsApplied: counts.eventsApplied + (now?.eventsApplied ?? 0),
      ignoredDocuments: counts.ignoredDocuments + (now?.ignoredDocuments ?? 0),
      since: Math.min(counts.since, now?.since ?? Infinity),
    });
  }

  /** A reactor's record from where reactors kept it before, or a fresh one. */
  private async firstState(consumer: Consumer): Promise<ConsumerState> {
    const fresh = this.initial(consumer);
    if (consumer.kind !== 'reactor') return fresh;
    const legacy = await this.options.views.get(LEGACY_REACTOR_VIEW, consumer.name);
    if (!legacy?.data) return fresh;
    const { eventsHandled, ...kept } = legacy.data as { eventsHandled?: number };
    const migrated = ConsumerState.safeParse({ ...fresh, ...kept, eventsApplied: eventsHandled ?? 0 });
    return migrated.success ? migrated.data : fresh;
  }

  private outdated(state: ConsumerState, consumer: Consumer): boolean {
    return consumer.version > state.definitionVersion && consumer.version > (state.rebuild?.definitionVersion ?? 0);
  }

  private withRebuild(state: ConsumerState, consumer: Consumer, repairs = state.rebuild?.repairs ?? 0): ConsumerState {
    const generation = Math.max(state.generation, state.rebuild?.generation ?? 0, ...state.retired.map((r) => r.generation)) + 1;
    const now = this.now();
    return {
      ...state,
      rebuild: { generation, definitionVersion: consumer.version, position: 0, eventsApplied: 0, startedAt: now, switching: false, repairs },
      retired: state.rebuild === undefined ? state.retired : [...state.retired, { generation: state.rebuild.generation, at: now }],
      updatedAt: now,
    };
  }

  private initial(consumer: Consumer): ConsumerState {
    return initialState(consumer.name, consumer.version, this.region, this.now());
  }

  private haltRecord(event: DeliveredEvent, error: unknown, attempts: number, phase: HaltRecord['phase']): HaltRecord {
    return {
      eventId: event.id,
      streamId: event.streamId,
      sequence: event.sequence,
      type: event.type,
      ...(event.position === undefined ? {} : { position: event.position }),
      error: typeof error === 'string' ? error : describeError(error),
      attempts,
      at: this.now(),
      phase,
    };
  }

  private now(): string {
    return (this.options.clock?.() ?? new Date()).toISOString();
  }
}

const skippedIds = (state: ConsumerState): Set<string> => new Set(state.skipped.map((s) => s.eventId));
