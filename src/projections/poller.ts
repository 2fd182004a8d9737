import { backoffDelayMs, type CheckpointStore, type GlobalLog, type ProjectionState, type ReplayPage, type ReplaySource } from '../core/index.ts';
import type { Logger } from '../api/dispatch.ts';
import { describeError } from './handlerAttempts.ts';
import { globalLogReplay } from './globalLogReplay.ts';
import type { ProjectionRuntime } from './runtime.ts';
import { Signal } from './signal.ts';
import { updateState } from './stateRecords.ts';

/**
 * What the poller follows. A GlobalLog is followed by its global position, which the runtime already
 * records per projection; any other ReplaySource (the Cosmos DB change feed) hands out opaque cursors,
 * which the poller keeps in the projection's state record, so it needs the checkpoint store.
 */
export type PolledSource = { log: GlobalLog } | { source: ReplaySource; checkpoints: CheckpointStore };

export type ProjectionPollerOptions = PolledSource & {
  runtime: ProjectionRuntime;
  logger: Logger;
  /** Most events one step reads and applies. */
  batchSize?: number;
  /** How long an idle projection waits before looking at the log again (appends in this process wake it sooner). */
  idleMs?: number;
};

const FAILURE_BACKOFF = { maxAttempts: Number.MAX_SAFE_INTEGER, baseDelayMs: 100, maxDelayMs: 5_000 };

/**
 * The local host's change feed: one loop per projection follows the source from that projection's
 * checkpoint and hands batches to the shared runtime. Failures of the stores are retried with backoff
 * forever; a poison event halts only its projection (the runtime records it) until resumed.
 */
export class ProjectionPoller {
  private readonly options: ProjectionPollerOptions;
  private readonly replay: ReplaySource;
  /** Where cursors are kept when they are not global positions. */
  private readonly cursors: CheckpointStore | undefined;
  private readonly wakeUp = new Signal();
  private loops: Promise<void>[] = [];
  private stopping = false;
  private unlisten: (() => void) | undefined;
  /** Per loop: woken since its last step began, so it must not go idle (a wake during a step is not lost). */
  private readonly woken = new Map<string, boolean>();

  constructor(options: ProjectionPollerOptions) {
    this.options = options;
    this.replay = 'log' in options ? globalLogReplay(options.log) : options.source;
    this.cursors = 'log' in options ? undefined : options.checkpoints;
  }

  get batchSize(): number {
    return this.options.batchSize ?? 256;
  }

  start(): void {
    if (this.loops.length > 0 || this.stopping) return;
    this.unlisten = this.options.runtime.control.listen(() => this.wake());
    this.loops = this.options.runtime.names.map((name) => this.run(name));
  }

  /** New events or a control change: idle loops look again now. */
  wake(): void {
    for (const name of this.woken.keys()) this.woken.set(name, true);
    this.wakeUp.notify();
  }

  /** Lets each loop finish its current step, then returns. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await Promise.all(this.loops);
    this.unlisten?.();
  }

  /** One step of one projection: a rebuild page if one is under way, then a live batch. True if it did work. */
  async step(name: string): Promise<boolean> {
    const { runtime } = this.options;
    let state = await runtime.state(name);
    if (state.halt !== undefined) return false;
    let worked = false;
    if (state.rebuild !== undefined) {
      const replay = lastPageOf(this.replay);
      const outcome = await runtime.rebuildStep(name, replay, this.batchSize);
      if (outcome === 'halted') return false;
      worked = outcome !== 'idle';
      // The new generation holds everything up to the rebuild's last page: live resumes there.
      if (outcome === 'switched' && replay.last !== undefined) await this.saveCursor(name, replay.last.cursor, state);
      state = await runtime.state(name);
      if (state.rebuild?.switching) return worked;
    }
    if (state.retired.length > 0) await runtime.dropRetired(name);
    const page = await this.replay.readFrom(this.cursorOf(state), this.batchSize);
    if (page.events.length > 0) {
      const outcome = await runtime.applyLive(name, page.events);
      // A halt keeps the cursor at the page start: after a resume the page is read again, and what
      // it already applied is dropped by the per-stream positions.
      if (outcome.halted !== undefined) return worked;
    }
    if (page.cursor !== this.cursorOf(state)) await this.saveCursor(name, page.cursor, state);
    return page.events.length > 0 || !page.caughtUp || worked;
  }

  /** The live cursor: the global position where the source has one, else the one this poller saved. */
  private cursorOf(state: ProjectionState): string | undefined {
    if (this.cursors === undefined) return state.position > 0 ? String(state.position) : undefined;
    return state.cursor;
  }

  /** Records where the live pass resumes; a global position is recorded by the runtime itself. */
  private async saveCursor(name: string, cursor: string, read: ProjectionState): Promise<void> {
    const checkpoints = this.cursors;
    if (checkpoints === undefined) return;
    // `read` only stands in for a record that vanished since the step read it; the write is conditional.
    await updateState(checkpoints, name, () => read, (state) => (state.cursor === cursor ? undefined : { ...state, cursor }));
  }

  private async run(name: string): Promise<void> {
    const { runtime, logger } = this.options;
    let failures = 0;
    while (!this.stopping) {
      let worked: boolean;
      this.woken.set(name, false);
      try {
        worked = await this.step(name);
        if (failures > 0) runtime.clearFailure(name);
        failures = 0;
      } catch (error) {
        failures++;
        runtime.noteFailure(name, error);
        logger.warn('projection step failed; retrying', { projection: name, attempt: failures, error: describeError(error) });
        await this.wakeUp.wait(backoffDelayMs(Math.min(failures, 10), FAILURE_BACKOFF) + 10);
        continue;
      }
      if (!worked && !this.stopping && !this.woken.get(name)) await this.wakeUp.wait(this.options.idleMs ?? 100);
    }
  }
}

/** The source, remembering the last page it served (the rebuild's final page, once it switches). */
const lastPageOf = (source: ReplaySource): ReplaySource & { last?: ReplayPage } => {
  const recording: ReplaySource & { last?: ReplayPage } = {
    readFrom: async (cursor, limit) => (recording.last = await source.readFrom(cursor, limit)),
  };
  return recording;
};
