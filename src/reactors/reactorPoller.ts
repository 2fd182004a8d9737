import { backoffDelayMs, type GlobalLog } from '../core/index.ts';
import type { Logger } from '../api/dispatch.ts';
import { describeError } from '../projections/handlerAttempts.ts';
import { Signal } from '../projections/signal.ts';
import { ReactorHeldError, type ReactorRunner } from './reactorRunner.ts';

export interface ReactorPollerOptions {
  runners: readonly ReactorRunner[];
  log: GlobalLog;
  logger: Logger;
  batchSize?: number;
  /** How long an idle reactor waits before looking at the log again (appends in this process wake it sooner). */
  idleMs?: number;
  /** How long one batch keeps retrying a service that is down before the loop backs off and reads again. */
  retryBudgetMs?: number;
}

const FAILURE_BACKOFF = { maxAttempts: Number.MAX_SAFE_INTEGER, baseDelayMs: 100, maxDelayMs: 5_000 };
/** A paused or halted reactor looks at its record this often, for a resume made by another process. */
const HELD_RECHECK_MS = 1_000;

/** The local host's delivery to reactors: one loop per reactor follows the global log from its checkpoint. */
export class ReactorPoller {
  private readonly options: ReactorPollerOptions;
  private readonly wakeUp = new Signal();
  private loops: Promise<void>[] = [];
  private unlisten: Array<() => void> = [];
  private stopping = false;

  constructor(options: ReactorPollerOptions) {
    this.options = options;
  }

  start(): void {
    if (this.loops.length > 0 || this.stopping) return;
    for (const runner of this.options.runners) this.unlisten.push(runner.control.listen(() => this.wakeUp.notify()));
    this.loops = this.options.runners.map((runner) => this.run(runner));
  }

  wake(): void {
    this.wakeUp.notify();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const runner of this.options.runners) runner.interrupt();
    this.wakeUp.notify();
    await Promise.all(this.loops);
    for (const unlisten of this.unlisten) unlisten();
  }

  private async run(runner: ReactorRunner): Promise<void> {
    const { log, logger } = this.options;
    let failures = 0;
    while (!this.stopping) {
      let pause = 0;
      try {
        const state = await runner.state();
        if (state.paused !== undefined || state.halt !== undefined) pause = HELD_RECHECK_MS;
        else {
          const events = await log.readAll(state.position, this.options.batchSize ?? 256);
          if (events.length === 0) pause = this.options.idleMs ?? 100;
          else await runner.handleBatch(events, { retryBudgetMs: this.options.retryBudgetMs ?? 5_000 });
        }
        failures = 0;
      } catch (error) {
        if (error instanceof ReactorHeldError) pause = error.retryAfterMs;
        else {
          failures++;
          runner.noteFailure(error);
          logger.warn('reactor step failed; retrying', { reactor: runner.name, attempt: failures, error: describeError(error) });
          pause = backoffDelayMs(Math.min(failures, 10), FAILURE_BACKOFF) + 10;
        }
      }
      if (pause > 0 && !this.stopping) await this.wakeUp.wait(pause);
    }
  }
}
