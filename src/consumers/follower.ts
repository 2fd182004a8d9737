import { backoffDelayMs, describeError, type ConsumerState, type GlobalLog, type Logger, type ReplayPage, type ReplaySource } from '../core/index.ts';
import { ConsumerHeldError } from './errors.ts';
import { globalLogReplay } from './globalLogReplay.ts';
import type { ConsumerRuntime } from './runtime.ts';
import { SharedPages } from './sharedPages.ts';
import { Signal } from './signal.ts';

/**
 * What the follower reads. A GlobalLog is followed by its global position, which the runtime already
 * records per consumer; any other ReplaySource (the Cosmos DB change feed) hands out opaque cursors,
 * which the follower keeps in the consumer's state record.
 */
export type FollowedSource = { log: GlobalLog } | { source: ReplaySource };

export type LogFollowerOptions = FollowedSource & {
  runtime: ConsumerRuntime;
  logger: Logger;
  /** The consumers to follow for (default: all of the runtime's). */
  consumers?: readonly string[];
  /** Most events one step reads and applies. */
  batchSize?: number;
  /** How long an idle consumer waits before looking at the log again (appends in this process wake it sooner). */
  idleMs?: number;
  /** How long one reactor batch keeps retrying a service that is down before the loop backs off and reads again. */
  retryBudgetMs?: number;
  /** Pause after a step that applied the head, shared by all loops (default LIVE_TICK_MS; 0 for none). */
  liveTickMs?: number;
  /** What rebuilds replay when it is more than the log (the archive first, then the log); default: the log. */
  rebuildSource?: ReplaySource;
};

const FAILURE_BACKOFF = { baseDelayMs: 100, maxDelayMs: 5_000 };
/**
 * Events read and applied per step. Catching up, a batch writes each document it touches once, so a
 * bigger batch writes less (a view with one document per stream: at most one write per stream per
 * batch); following the head, a batch is whatever was appended since the last one.
 */
export const DEFAULT_BATCH_SIZE = 2_048;
/**
 * Under a steady stream of appends, a consumer that has just applied the head waits this long before
 * its next step, and every consumer at the head waits for the same tick: the next batch holds what
 * arrived meanwhile, and consumers at the same place ask for it together, so it is read once.
 */
export const LIVE_TICK_MS = 5;

/**
 * The local host's change feed: one loop per consumer follows the log from that consumer's checkpoint
 * and hands batches to the runtime, reading each page of the log once for every consumer at the same
 * place (SharedPages). Failures of the stores are retried with backoff forever; a poison event halts
 * only its consumer (the runtime records it) until resumed.
 */
export class LogFollower {
  private readonly options: LogFollowerOptions;
  /** The source as live passes read it: one read per page for every consumer at the same place. */
  private readonly pages: SharedPages;
  /** The source as rebuilds read it, each from its own place. */
  private readonly source: ReplaySource;
  private readonly rebuildSource: ReplaySource;
  /** Where cursors live: global positions (recorded by the runtime) or opaque cursors saved here. */
  private readonly savesCursors: boolean;
  private readonly wakeUp = new Signal();
  private loops: Promise<void>[] = [];
  private stopping = false;
  private unlisten: (() => void) | undefined;
  /** Per loop: woken since its last step began, so it must not go idle (a wake during a step is not lost). */
  private readonly woken = new Map<string, boolean>();
  /** Per loop: its last step applied events and reached the head. */
  private readonly atHead = new Map<string, boolean>();
  private tick: Promise<void> | undefined;

  constructor(options: LogFollowerOptions) {
    this.options = options;
    this.source = 'log' in options ? globalLogReplay(options.log) : options.source;
    this.pages = new SharedPages(this.source);
    this.rebuildSource = options.rebuildSource ?? this.source;
    this.savesCursors = !('log' in options);
  }

  get batchSize(): number {
    return this.options.batchSize ?? DEFAULT_BATCH_SIZE;
  }

  /** Pages read from the log so far; consumers at the same place share one read. */
  get pagesRead(): number {
    return this.pages.pagesRead;
  }

  start(): void {
    if (this.loops.length > 0 || this.stopping) return;
    this.unlisten = this.options.runtime.control.listen(() => this.wake());
    const names = this.options.consumers ?? this.options.runtime.names;
    for (const name of names) this.pages.join(name);
    this.loops = names.map((name) => this.run(name).finally(() => this.pages.leave(name)));
  }

  /** New events or a control change: idle loops look again now. */
  wake(): void {
    this.pages.invalidate();
    for (const name of this.woken.keys()) this.woken.set(name, true);
    this.wakeUp.notify();
  }

  /** Lets each loop finish its current step (a reactor's after its current event), then returns. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const name of this.options.consumers ?? this.options.runtime.names) this.options.runtime.interrupt(name);
    this.wake();
    await Promise.all(this.loops);
    this.unlisten?.();
  }

  /** One step of one consumer: a rebuild page if one is under way, then a live batch. True if it did work. */
  async step(name: string): Promise<boolean> {
    this.atHead.set(name, false);
    const { runtime } = this.options;
    let state = await runtime.state(name);
    if (state.halt !== undefined || state.paused !== undefined) return false;
    let worked = false;
    if (state.rebuild !== undefined) {
      const replay = lastPageOf(this.rebuildSource);
      const outcome = await runtime.rebuildStep(name, replay, this.batchSize);
      if (outcome === 'halted') return false;
      worked = outcome !== 'idle';
      // The new generation holds everything up to the rebuild's last page: live resumes there.
      if (outcome === 'switched' && replay.last !== undefined) await this.saveCursor(name, replay.last.cursor);
      state = await runtime.state(name);
      if (state.rebuild?.switching) return worked;
    }
    if (state.retired.length > 0) await runtime.dropRetired(name);
    const cursor = this.cursorOf(state);
    const page = await this.pages.readFrom(name, cursor, this.batchSize);
    if (page.events.length > 0 || (page.ignored ?? 0) > 0) {
      const outcome = await runtime.applyLive(name, page.events, { ignored: page.ignored, retryBudgetMs: this.options.retryBudgetMs ?? 5_000, state });
      // A halt, or a reactor stopped part-way, keeps the cursor at the page start: the page is read
      // again and what it already handled is dropped (per-stream positions, or the reactor's own record).
      if (outcome.halted !== undefined || outcome.processed < page.events.length) return worked;
    }
    if (page.cursor !== cursor) await this.saveCursor(name, page.cursor);
    this.atHead.set(name, page.caughtUp && page.events.length > 0);
    return page.events.length > 0 || !page.caughtUp || worked;
  }

  /** The live cursor: the global position where the source has one, else the one this follower saved. */
  private cursorOf(state: ConsumerState): string | undefined {
    if (!this.savesCursors) return state.position > 0 ? String(state.position) : undefined;
    return state.cursor;
  }

  /** Records where the live pass resumes; a global position is recorded by the runtime itself. */
  private async saveCursor(name: string, cursor: string): Promise<void> {
    if (this.savesCursors) await this.options.runtime.saveCursor(name, cursor);
  }

  /** The next live tick, shared by every loop that waits for it now. */
  private nextTick(): Promise<void> {
    this.tick ??= new Promise<void>((resolve) => setTimeout(resolve, this.options.liveTickMs ?? LIVE_TICK_MS)).finally(() => (this.tick = undefined));
    return this.tick;
  }

  private async run(name: string): Promise<void> {
    const { runtime, logger } = this.options;
    let failures = 0;
    while (!this.stopping) {
      this.woken.set(name, false);
      let waitMs = 0;
      try {
        const worked = await this.step(name);
        if (failures > 0) runtime.clearFailure(name);
        failures = 0;
        if (!worked) waitMs = this.options.idleMs ?? 100;
        else if (this.atHead.get(name) && !this.stopping) await this.nextTick();
      } catch (error) {
        if (error instanceof ConsumerHeldError) waitMs = Math.max(error.retryAfterMs, 10);
        else {
          failures++;
          runtime.noteFailure(name, error);
          logger.warn('consumer step failed; retrying', { consumer: name, attempt: failures, error: describeError(error) });
          waitMs = backoffDelayMs(Math.min(failures, 10), FAILURE_BACKOFF) + 10;
        }
      }
      if (waitMs > 0 && !this.stopping && !this.woken.get(name)) await this.wakeUp.wait(waitMs);
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
