import { describeError } from '../core/index.ts';
import { Signal } from '../consumers/signal.ts';
import type { TimerContext, TimerDefinition, TimerReport } from './module.ts';

/** Runs a timer once and logs what it reports; a failed run is logged and tried again next time. */
export const runTimer = async (timer: TimerDefinition, context: TimerContext): Promise<TimerReport | undefined> => {
  try {
    const report = await timer.run(context);
    if (report !== undefined) context.logger[report.level](report.message, { timer: timer.name, ...report.fields });
    return report;
  } catch (error) {
    context.logger.warn('timer run failed; trying again next time', { timer: timer.name, error: describeError(error) });
    return undefined;
  }
};

/** The local host's timers: each module timer on its own interval, one run at a time. */
export class TimerRunner {
  private readonly options: { timers: readonly TimerDefinition[]; context: TimerContext };
  private readonly wakeUp = new Signal();
  private loops: Promise<void>[] = [];
  private stopping = false;

  constructor(options: { timers: readonly TimerDefinition[]; context: TimerContext }) {
    this.options = options;
  }

  start(): void {
    if (this.loops.length > 0 || this.stopping) return;
    this.loops = this.options.timers.map((timer) => this.run(timer));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeUp.notify();
    await Promise.all(this.loops);
  }

  private async run(timer: TimerDefinition): Promise<void> {
    while (!this.stopping) {
      await this.wakeUp.wait(timer.intervalMs);
      if (!this.stopping) await runTimer(timer, this.options.context);
    }
  }
}
