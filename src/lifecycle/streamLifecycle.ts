import {
  ProblemError,
  type ArchivableEventStore,
  type ColdStorage,
  type EventEnvelope,
  type Logger,
  type ReplaySource,
  type StreamLifecycle,
} from '../core/index.ts';
import { runArchivePolicy, type ArchiveRule, type PolicyRun } from './archivePolicy.ts';
import { withArchiveReplay } from './archiveReplay.ts';
import { archiveStream } from './archiveStream.ts';
import { closeStream, destroyStream } from './streamEnd.ts';

export class ArchiveNotConfiguredError extends ProblemError('archive-not-configured', 503, 'No archive configured') {}

/** The lifecycle of an app's streams: the API's operations, the policy the timer runs, the replay rebuilds use. */
export interface AppLifecycle {
  operations: StreamLifecycle;
  /** One pass of the archive policy (the timer's job in Azure, `eventlog archive --policy` locally). */
  runPolicy(rules: readonly ArchiveRule[], budgetMs: number): Promise<PolicyRun>;
  /** The log's replay with the archived events first (none where no archive is configured). */
  replay(log: ReplaySource): ReplaySource;
}

export interface LifecycleOptions {
  /** The hot store, for the archive's own reads, record writes and removals. */
  hot: ArchivableEventStore;
  /** The app's store (with telemetry and append signals), for the events closing and deleting append. */
  store: ArchivableEventStore;
  /** Undefined where no archive is configured: closing works, archiving and deleting are refused. */
  cold: ColdStorage | undefined;
  region: string;
  logger: Logger;
  /**
   * Opens archived events for readers: cold storage keeps them as the log holds them (personal fields
   * sealed), and a rebuild's archive phase reads them there, around the app's store. Unset: as they are.
   */
  openArchived?: (events: readonly EventEnvelope[]) => Promise<EventEnvelope[]>;
}

export const streamLifecycle = (options: LifecycleOptions): AppLifecycle => {
  const { hot, store, cold, region, logger } = options;
  const needCold = (): ColdStorage => {
    if (cold === undefined)
      throw new ArchiveNotConfiguredError('this host has no archive: set ARCHIVE_CONTAINER_URL (Azure Blob Storage) or ARCHIVE_DIR');
    return cold;
  };
  return {
    operations: {
      archive: (stream) => archiveStream({ store: hot, cold: needCold() }, stream),
      close: (stream, reason) => closeStream({ store, region }, stream, reason),
      destroy: (stream, reason) => destroyStream({ store, region, cold: needCold() }, stream, reason),
    },
    runPolicy: (rules, budgetMs) => runArchivePolicy({ store: hot, cold: needCold(), logger }, rules, { budgetMs }),
    replay: (log) => withArchiveReplay(log, hot, cold, options.openArchived),
  };
};
