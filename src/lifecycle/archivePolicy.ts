import { AGGREGATE_TYPE_PATTERN, describeError, streamIdOf, type ArchiveOutcome, type Logger, type StreamRef } from '../core/index.ts';
import { archiveStream, type ArchiverDeps } from './archiveStream.ts';

/** "Archive every stream of this type untouched for this many days." */
export interface ArchiveRule {
  aggregateType: string;
  idleDays: number;
}

export interface PolicyRun {
  archived: number;
  unchanged: number;
  failed: number;
  /** True when the time budget ran out before every candidate was visited; the next run carries on. */
  interrupted: boolean;
}

const PAGE = 100;
const DAY_MS = 86_400_000;

/**
 * One pass of the archive policy: streams idle past their rule's age, a page at a time, each archived
 * on its own (a failure is logged and left for the next run). Interrupted archives are finished first:
 * their records say where they stopped.
 */
export const runArchivePolicy = async (
  deps: ArchiverDeps & { logger: Logger },
  rules: readonly ArchiveRule[],
  options: { budgetMs: number; now?: () => number },
): Promise<PolicyRun> => {
  const clock = options.now ?? Date.now;
  const deadline = clock() + options.budgetMs;
  const run: PolicyRun = { archived: 0, unchanged: 0, failed: 0, interrupted: false };
  const archiveOne = async (stream: StreamRef): Promise<void> => {
    try {
      const outcome: ArchiveOutcome = await archiveStream(deps, stream);
      run[outcome.outcome === 'archived' ? 'archived' : 'unchanged']++;
    } catch (error) {
      run.failed++;
      deps.logger.warn('archive of a stream failed; trying again next run', { streamId: streamIdOf(stream), error: describeError(error) });
    }
  };

  for (let after: string | undefined; ; ) {
    if (clock() >= deadline) return { ...run, interrupted: true };
    const records = await deps.store.listArchiveRecords(after, PAGE);
    for (const record of records.filter((r) => r.state === 'copying' || r.state === 'removing')) await archiveOne(record);
    if (records.length < PAGE) break;
    after = records[records.length - 1]!.streamId;
  }
  for (const rule of rules) {
    const before = new Date(clock() - rule.idleDays * DAY_MS).toISOString();
    for (let after: string | undefined; ; ) {
      if (clock() >= deadline) return { ...run, interrupted: true };
      const streams = await deps.store.listIdleStreams(rule.aggregateType, before, after, PAGE);
      for (const stream of streams) {
        if (clock() >= deadline) return { ...run, interrupted: true };
        await archiveOne(stream);
      }
      if (streams.length < PAGE) break;
      after = streamIdOf(streams[streams.length - 1]!);
    }
  }
  return run;
};

const RULE = new RegExp(`^(${AGGREGATE_TYPE_PATTERN}):(\\d{1,5})$`);

/** `user:30,post:90`: aggregate type and idle days, comma-separated. */
export const parseArchiveRules = (text: string): ArchiveRule[] =>
  text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const match = RULE.exec(part);
      if (match === null) throw new Error(`"${part}" is not <aggregateType>:<idle days>, e.g. user:30`);
      return { aggregateType: match[1]!, idleDays: Number(match[2]) };
    });
