import { describeError, type Logger } from '../core/index.ts';
import { parseArchiveRules } from '../lifecycle/archivePolicy.ts';
import type { EventLogApp } from './openApp.ts';

/** One run of the archive timer may take this long; the next run carries on where it stopped. */
export const ARCHIVE_BUDGET_MS = 4 * 60_000;

/**
 * The archive timer's job (Azure): one pass of ARCHIVE_POLICY, finishing interrupted archives first.
 * It runs where side effects run (REACTORS_ENABLED), so one region archives; a second would only find
 * nothing left to do, since every step is written on a condition.
 */
export const runArchiveTimer = async (app: Pick<EventLogApp, 'config' | 'lifecycle' | 'consumers'>, logger: Logger): Promise<void> => {
  const { config, lifecycle } = app;
  if (config.ARCHIVE_POLICY === undefined) return;
  if (lifecycle === undefined) {
    logger.warn('ARCHIVE_POLICY is set but this host keeps no archive records: nothing archived');
    return;
  }
  try {
    // A rebuild reads the archive, then the log: moving more of a stream between the two would hide it.
    const rebuilding = (await app.consumers.entries()).filter((entry) => entry.status === 'rebuilding');
    if (rebuilding.length > 0) {
      logger.info('archive policy waits: a projection rebuild is under way', { projections: rebuilding.map((entry) => entry.name) });
      return;
    }
    const run = await lifecycle.runPolicy(parseArchiveRules(config.ARCHIVE_POLICY), ARCHIVE_BUDGET_MS);
    const log = run.failed > 0 ? logger.warn : logger.info;
    if (run.archived > 0 || run.failed > 0 || run.interrupted) log('archive policy ran', { ...run });
  } catch (error) {
    logger.warn('archive policy run failed; trying again next time', { error: describeError(error) });
  }
};
