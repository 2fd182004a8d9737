import {
  type CheckpointStore,
  type ConsistencyPoint,
  type EventEnvelope,
  type GlobalLog,
  type HaltRecord,
  type ProjectionDefinition,
  type ProjectionState,
  type ReplaySource,
  type RetryPolicy,
  type SkipRecord,
  type StoredViewDocument,
  type ViewStore,
  checkProjectionCatalog,
  isAbsentView,
} from '../core/index.ts';
import { applyBatch, type ApplyContext, type PoisonEvent } from './applyBatch.ts';
import { cachedViewStore } from './documentCache.ts';
import { describeError } from './handlerAttempts.ts';
import { ProjectionHeldError, UnknownProjectionError, UnknownViewError } from './errors.ts';
import { Signal } from './signal.ts';
import { initialState, MAX_SKIP_RECORDS, statusOf, updateState, type ProjectionStatus } from './stateRecords.ts';
import { progressViewName, storedViewName } from './viewNames.ts';

export interface ProjectionRuntimeOptions {
  projections: readonly ProjectionDefinition[];
  views: ViewStore;
  checkpoints: CheckpointStore;
  region: string;
  /** Attempts of a throwing handler (with backoff) before its event halts the projection. */
  maxAttempts: number;
  handlerBackoff?: { baseDelayMs: number; maxDelayMs: number };
  /** The global log, where the host has one: lag is measured against its head. */
  log?: GlobalLog;
  clock?: () => Date;
  /** How long a generation replaced by a rebuild is kept for reads already in flight. */
  retireAfterMs?: number;
}

/** An event as a host delivers it; the embedded log adds its global position. */
export type DeliveredEvent = EventEnvelope & { position?: number };

export interface LiveOutcome {
  processed: number;
  applied: number;
  halted?: HaltRecord;
}

export type RebuildStepOutcome = 'idle' | 'progress' | 'switching' | 'switched' | 'halted';

/** What `GET /api/projections` lists per projection. */
export interface ProjectionEntry {
  name: string;
  status: ProjectionStatus;
  /** Where the serving views are: the global log position locally, events applied where there is no global log. */
  position: number;
  /** Events behind the head of the log; null where the host cannot know the head (the Cosmos DB change feed). */
  lag: number | null;
  lastError?: string;
  version: number;
  generation: number;
  eventsApplied: number;
  halt?: HaltRecord;
  skipped: SkipRecord[];
  rebuild?: { generation: number; position: number; lag: number | null; eventsApplied: number; startedAt: string; switching: boolean };
}

export type ViewRead =
  | { kind: 'found'; document: StoredViewDocument }
  | { kind: 'absent' }
  | { kind: 'not-caught-up'; projection: string; status: ProjectionStatus; appliedSequence: number };

const DEFAULT_BACKOFF = { baseDelayMs: 50, maxDelayMs: 2_000 };
/** Readers waiting for `atLeast` also re-check this often, for writes made by another process. */
const RECHECK_MS = 250;
/** Documents a runtime remembers between batches (each a few hundred bytes for typical views). */
const DOCUMENT_CACHE_SIZE = 10_000;

/**
 * The projection runtime, shared by both hosts: the local poller and the Azure change-feed trigger
 * hand it batches; the views and projections routes read and control it. It keeps no state of its
 * own beyond signals: everything durable is in the region's view and checkpoint stores.
 */
export class ProjectionRuntime {
  readonly region: string;
  /** Notified after every batch, so `atLeast` readers re-check at once instead of polling. */
  readonly progress = new Signal();
  /** Notified on resume and rebuild requests, so an idle poller picks them up at once. */
  readonly control = new Signal();
  private readonly options: ProjectionRuntimeOptions;
  private readonly byName = new Map<string, ProjectionDefinition>();
  private readonly byView = new Map<string, ProjectionDefinition>();
  private readonly failures = new Map<string, string>();
  private readonly context: ApplyContext;

  constructor(options: ProjectionRuntimeOptions) {
    checkProjectionCatalog(options.projections);
    this.options = options;
    this.region = options.region;
    for (const projection of options.projections) {
      this.byName.set(projection.name, projection);
      for (const view of projection.views) this.byView.set(view.name, projection);
    }
    const backoff = options.handlerBackoff ?? DEFAULT_BACKOFF;
    const handlerRetry: RetryPolicy = { maxAttempts: Math.max(1, options.maxAttempts), ...backoff };
    // Batches read through a cache of recent documents; reads for the API always go to the store.
    this.context = { views: cachedViewStore(options.views, DOCUMENT_CACHE_SIZE), handlerRetry, now: () => this.now() };
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  definition(name: string): ProjectionDefinition {
    const projection = this.byName.get(name);
    if (projection === undefined) throw new UnknownProjectionError(name);
    return projection;
  }

  /** The projection's state record, created on first use; a higher definition version starts a rebuild. */
  async state(name: string): Promise<ProjectionState> {
    const projection = this.definition(name);
    const stored = await this.options.checkpoints.get(name);
    if (stored !== undefined && !this.outdated(stored.state, projection)) return stored.state;
    const updated = await updateState(this.options.checkpoints, name, () => this.initial(projection), (state) =>
      this.outdated(state, projection) ? this.withRebuild(state, projection) : undefined,
    );
    if (updated.state.rebuild !== undefined) this.control.notify();
    return updated.state;
  }

  /** Applies events delivered live (poller or change feed) to the serving generation. */
  async applyLive(name: string, events: readonly DeliveredEvent[]): Promise<LiveOutcome> {
    const projection = this.definition(name);
    const state = await this.state(name);
    if (state.halt !== undefined)
      throw new ProjectionHeldError(name, 'halted', `on event ${state.halt.eventId} of ${state.halt.streamId}: resume or skip it`);
    if (state.rebuild?.switching) throw new ProjectionHeldError(name, 'switching', 'to the rebuilt views; retry shortly');

    const outcome = await applyBatch(this.context, { projection, generation: state.generation, skip: skippedIds(state) }, events);
    const processed = events.slice(0, outcome.processed);
    const lastPosition = processed.reduce((max, event) => Math.max(max, event.position ?? 0), 0);
    const halt = outcome.poison === undefined ? undefined : this.haltRecord(outcome.poison, 'live');
    if (processed.length > 0 || halt !== undefined)
      await updateState(this.options.checkpoints, name, () => this.initial(projection), (current) => ({
        ...current,
        position: Math.max(current.position, lastPosition),
        eventsApplied: current.eventsApplied + processed.length,
        halt: halt ?? current.halt,
        updatedAt: this.now(),
      }));
    this.progress.notify();
    return { processed: processed.length, applied: outcome.applied, halted: halt };
  }

  /**
   * One step of a rebuild: replays a page of the log into the new generation. Once the replay reaches
   * the head it asks live passes to hold (`switching`), replays to the head once more, and only then
   * switches, so no event applied live to the old generation can be missing from the new one.
   */
  async rebuildStep(name: string, source: ReplaySource, limit: number): Promise<RebuildStepOutcome> {
    const projection = this.definition(name);
    const state = await this.state(name);
    const rebuild = state.rebuild;
    if (rebuild === undefined || state.halt !== undefined) return 'idle';

    const page = await source.readFrom(rebuild.cursor, limit);
    const outcome = await applyBatch(this.context, { projection, generation: rebuild.generation, skip: skippedIds(state) }, page.events);
    const sameRebuild = (current: ProjectionState): boolean => current.rebuild?.generation === rebuild.generation;

    if (outcome.poison !== undefined) {
      // The cursor stays at the page start: on resume the page is read again and its applied part skipped.
      const halt = this.haltRecord(outcome.poison, 'rebuild');
      await updateState(this.options.checkpoints, name, () => this.initial(projection), (current) =>
        sameRebuild(current) ? { ...current, halt, updatedAt: this.now() } : undefined,
      );
      this.progress.notify();
      return 'halted';
    }

    let result: RebuildStepOutcome = 'progress';
    await updateState(this.options.checkpoints, name, () => this.initial(projection), (current) => {
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
        retired: [...current.retired, { generation: current.generation, at: this.now() }],
        updatedAt: this.now(),
      };
    });
    this.progress.notify();
    return result;
  }

  /** Starts a rebuild into a fresh generation; one already under way is abandoned for it. */
  async requestRebuild(name: string): Promise<ProjectionEntry> {
    const projection = this.definition(name);
    await updateState(this.options.checkpoints, name, () => this.initial(projection), (state) => this.withRebuild(state, projection));
    this.control.notify();
    return this.entry(name);
  }

  /** Clears a halt so the event is tried again, or with `skip` records it as skipped and moves past it. */
  async resume(name: string, options: { skip: boolean }): Promise<ProjectionEntry> {
    const projection = this.definition(name);
    await updateState(this.options.checkpoints, name, () => this.initial(projection), (state) => {
      if (state.halt === undefined) return undefined;
      const { halt, ...rest } = state;
      const skipped = options.skip ? [...state.skipped, { ...halt, skippedAt: this.now() }].slice(-MAX_SKIP_RECORDS) : state.skipped;
      return { ...rest, skipped, updatedAt: this.now() };
    });
    this.failures.delete(name);
    this.control.notify();
    return this.entry(name);
  }

  /** Drops generations a rebuild replaced, once no read can still be using them. */
  async dropRetired(name: string): Promise<void> {
    const projection = this.definition(name);
    const state = await this.state(name);
    const cutoff = this.options.clock?.().getTime() ?? Date.now();
    const due = state.retired.filter((r) => cutoff - Date.parse(r.at) >= (this.options.retireAfterMs ?? 60_000));
    if (due.length === 0) return;
    for (const { generation } of due) {
      for (const view of projection.views) await this.context.views.dropView(storedViewName(view.name, generation));
      await this.context.views.dropView(progressViewName(name, generation));
    }
    const dropped = new Set(due.map((r) => r.generation));
    await updateState(this.options.checkpoints, name, () => this.initial(projection), (current) => ({
      ...current,
      retired: current.retired.filter((r) => !dropped.has(r.generation)),
    }));
  }

  /** Hosts report failures that are not the events' fault (store down), so the listing shows them. */
  noteFailure(name: string, error: unknown): void {
    this.failures.set(name, describeError(error));
  }

  clearFailure(name: string): void {
    this.failures.delete(name);
  }

  async entries(): Promise<ProjectionEntry[]> {
    const head = await this.options.log?.headPosition();
    return Promise.all(this.names.map((name) => this.entryAt(name, head)));
  }

  async entry(name: string): Promise<ProjectionEntry> {
    return this.entryAt(name, await this.options.log?.headPosition());
  }

  /**
   * Reads a view document. With `atLeast`, first waits (up to `waitMs`) until this region's projection
   * has processed that stream up to that sequence, woken by each applied batch.
   */
  async readView(view: string, key: string, options: { atLeast?: ConsistencyPoint; waitMs: number }): Promise<ViewRead> {
    const projection = this.byView.get(view);
    if (projection === undefined) throw new UnknownViewError(view);
    const deadline = Date.now() + options.waitMs;
    for (;;) {
      const state = (await this.options.checkpoints.get(projection.name))?.state;
      const generation = state?.generation ?? 1;
      if (options.atLeast !== undefined) {
        const { streamId, sequence } = options.atLeast;
        const progress = await this.options.views.get(progressViewName(projection.name, generation), streamId);
        const appliedSequence = progress?.positions[streamId] ?? 0;
        if (appliedSequence < sequence) {
          const remaining = deadline - Date.now();
          if (remaining <= 0)
            return { kind: 'not-caught-up', projection: projection.name, status: state === undefined ? 'running' : statusOf(state), appliedSequence };
          await this.progress.wait(Math.min(remaining, RECHECK_MS));
          continue;
        }
      }
      const document = await this.options.views.get(storedViewName(view, generation), key);
      return document === undefined || isAbsentView(document.data) ? { kind: 'absent' } : { kind: 'found', document };
    }
  }

  private async entryAt(name: string, head: number | undefined): Promise<ProjectionEntry> {
    const state = await this.state(name);
    const lastError = state.halt?.error ?? this.failures.get(name);
    const lagAt = (position: number): number | null => (head === undefined ? null : Math.max(0, head - position));
    return {
      name,
      status: statusOf(state),
      position: this.options.log === undefined ? state.eventsApplied : state.position,
      lag: lagAt(state.position),
      ...(lastError === undefined ? {} : { lastError }),
      version: state.definitionVersion,
      generation: state.generation,
      eventsApplied: state.eventsApplied,
      ...(state.halt === undefined ? {} : { halt: state.halt }),
      skipped: state.skipped,
      ...(state.rebuild === undefined
        ? {}
        : {
            rebuild: {
              generation: state.rebuild.generation,
              position: this.options.log === undefined ? state.rebuild.eventsApplied : state.rebuild.position,
              lag: lagAt(state.rebuild.position),
              eventsApplied: state.rebuild.eventsApplied,
              startedAt: state.rebuild.startedAt,
              switching: state.rebuild.switching,
            },
          }),
    };
  }

  private outdated(state: ProjectionState, projection: ProjectionDefinition): boolean {
    return projection.version > state.definitionVersion && projection.version > (state.rebuild?.definitionVersion ?? 0);
  }

  private withRebuild(state: ProjectionState, projection: ProjectionDefinition): ProjectionState {
    const generation = Math.max(state.generation, state.rebuild?.generation ?? 0, ...state.retired.map((r) => r.generation)) + 1;
    const now = this.now();
    return {
      ...state,
      rebuild: { generation, definitionVersion: projection.version, position: 0, eventsApplied: 0, startedAt: now, switching: false },
      retired: state.rebuild === undefined ? state.retired : [...state.retired, { generation: state.rebuild.generation, at: now }],
      updatedAt: now,
    };
  }

  private initial(projection: ProjectionDefinition): ProjectionState {
    return initialState(projection, this.region, this.now());
  }

  private haltRecord(poison: PoisonEvent, phase: HaltRecord['phase']): HaltRecord {
    const { event } = poison;
    const position = (event as DeliveredEvent).position;
    return {
      eventId: event.id,
      streamId: event.streamId,
      sequence: event.sequence,
      type: event.type,
      ...(position === undefined ? {} : { position }),
      error: poison.error,
      attempts: poison.attempts,
      at: this.now(),
      phase,
    };
  }

  private now(): string {
    return (this.options.clock?.() ?? new Date()).toISOString();
  }
}

const skippedIds = (state: ProjectionState): Set<string> => new Set(state.skipped.map((s) => s.eventId));
