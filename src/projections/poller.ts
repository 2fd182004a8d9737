import { backoffDelayMs, type GlobalLog, type ReplaySource } from '../core/index.ts';
import type { Logger } from '../api/dispatch.ts';
import { describeError } from './handlerAttempts.ts';
import { globalLogReplay } from './globalLogReplay.ts';
import type { ProjectionRuntime } from './runtime.ts';
import { Signal } from './signal.ts';

export interface ProjectionPollerOptions {
  runtime: ProjectionRuntime;
  log: GlobalLog;
  logger: Logger;
  /** Most events one step reads and applies. */
  batchSize?: number;
  /** How long an idle projection waits before looking at the log again (appends in this process wake it sooner). */
  idleMs?: number;
}

const FAILURE_BACKOFF = { maxAttempts: Number.MAX_SAFE_INTEGER, baseDelayMs: 100, maxDelayMs: 5_000 };

/**
 * The local host's change feed: one loop per projection follows the global log from that projection's
 * checkpoint and hands batches to the shared runtime. Failures of the stores are retried with backoff
 * forever; a poison event halts only its projection (the runtime records it) until resumed.
 */
export class ProjectionPoller {
  private readonly options: ProjectionPollerOptions;
  private readonly replay: ReplaySource;
  private readonly wakeUp = new Signal();
  private loops: Promise<void>[] = [];
  private stopping = false;
  private unlisten: (() => void) | undefined;
  /** Per loop: woken since its last step began, so it must not go idle (a wake during a step is not lost). */
  private readonly woken = new Map<string, boolean>();

  constructor(options: ProjectionPollerOptions) {
    this.options = options;
    this.replay = globalLogReplay(options.log);
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
      const outcome = await runtime.rebuildStep(name, this.replay, this.batchSize);
      if (outcome === 'halted') return false;
      worked = outcome !== 'idle';
      state = await runtime.state(name);
      if (state.rebuild?.switching) return worked;
    }
    if (state.retired.length > 0) await runtime.dropRetired(name);
    const events = await this.options.log.readAll(state.position, this.batchSize);
    if (events.length === 0) return worked;
    const outcome = await runtime.applyLive(name, events);
    return outcome.halted === undefined || worked;
  }

  private async run(name: string): Promise<void> {
    const { runtime, logger } = this.options;
    let failures = 0;
    this.woken.set(name, false);
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
