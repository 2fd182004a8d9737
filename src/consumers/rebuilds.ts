import type { ReplaySource } from '../core/index.ts';
import type { ConsumerRuntime } from './runtime.ts';

export interface RebuildRun {
  projection: string;
  steps: number;
  outcome: 'idle' | 'switched' | 'halted' | 'budget-spent';
}

/**
 * Advances every rebuild under way, each until it switches, halts or the time budget is spent: the
 * job of a timer where the host has no follower (Azure). Also drops generations past their grace period.
 */
export const driveRebuilds = async (
  runtime: ConsumerRuntime,
  source: ReplaySource,
  options: { budgetMs: number; batchSize: number },
): Promise<RebuildRun[]> => {
  const deadline = Date.now() + options.budgetMs;
  const runs: RebuildRun[] = [];
  for (const projection of runtime.projectionNames) {
    await runtime.dropRetired(projection);
    let steps = 0;
    let outcome: RebuildRun['outcome'] = 'budget-spent';
    while (Date.now() < deadline) {
      const step = await runtime.rebuildStep(projection, source, options.batchSize);
      if (step === 'idle' || step === 'halted' || step === 'switched') {
        outcome = step;
        break;
      }
      steps++;
    }
    runs.push({ projection, steps, outcome });
  }
  return runs;
};
