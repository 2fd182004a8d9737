import type { ArchiveRecord, ColdStorage, EventEnvelope, ReplayPage, ReplaySource, StreamArchiveStore } from '../core/index.ts';
import { ColdReads } from './coldReads.ts';

// Rebuilds replay the archive first, then the log. The archive phase hands out each archived stream's
// events below its anchor (the anchor and everything after it are still in the log), one stream after
// another; the log phase is the store's own replay. Order per stream holds, which is all projections
// rely on. Cursors say which phase they belong to; a cursor without a prefix is the log's (a rebuild
// started before the archive existed).

const ARCHIVE = 'archive:';
const LOG = 'log:';
const RECORDS_PAGE = 50;

interface ArchiveCursor {
  /** The last stream done: listing resumes after it. */
  after?: string;
  /** A stream part-way through: its next sequence to hand out. */
  partial?: { streamId: string; next: number };
}

const encode = (cursor: ArchiveCursor): string => `${ARCHIVE}${JSON.stringify(cursor)}`;
const decode = (cursor: string): ArchiveCursor => JSON.parse(cursor.slice(ARCHIVE.length)) as ArchiveCursor;

/** Records whose segments hold events a rebuild needs (a deleted stream's are gone; its tombstone is in the log). */
const replayable = (record: ArchiveRecord): boolean => record.state !== 'purging' && record.state !== 'deleted' && record.archivedVersion > 1;

/**
 * The log's replay with the archive first. Without cold storage (a host not configured for it) the
 * archive phase is empty, but cursors keep their form, so a follower's saved cursor reads the same
 * whether or not the archive is configured when it resumes. `open` readies archived events as the app's
 * store readies the log's (cold storage holds them as the log does, personal fields sealed); the log's
 * part comes through that store already.
 */
export const withArchiveReplay = (
  log: ReplaySource,
  store: StreamArchiveStore,
  cold: ColdStorage | undefined,
  open: (events: readonly EventEnvelope[]) => Promise<EventEnvelope[]> = async (events) => [...events],
): ReplaySource => {
  const coldReads = cold && new ColdReads(cold);

  const logPage = async (cursor: string | undefined, limit: number): Promise<ReplayPage> => {
    const page = await log.readFrom(cursor === '' ? undefined : cursor, limit);
    return { ...page, cursor: `${LOG}${page.cursor}` };
  };

  const archivePage = async (cursor: ArchiveCursor, limit: number): Promise<ReplayPage> => {
    const events: EventEnvelope[] = [];
    if (coldReads === undefined) return { events, cursor: LOG, caughtUp: false };
    let after = cursor.after;
    let partial = cursor.partial;
    for (;;) {
      const records = await store.listArchiveRecords(after, RECORDS_PAGE);
      for (const record of records) {
        const from = partial?.streamId === record.streamId ? partial.next : 1;
        partial = undefined;
        if (replayable(record) && from < record.archivedVersion) {
          const to = Math.min(record.archivedVersion - 1, from + (limit - events.length) - 1);
          events.push(...(await open(await coldReads.events(record, from, to))));
          if (to < record.archivedVersion - 1) return { events, cursor: encode({ after, partial: { streamId: record.streamId, next: to + 1 } }), caughtUp: false };
        }
        after = record.streamId;
        if (events.length >= limit) return { events, cursor: encode({ after }), caughtUp: false };
      }
      if (records.length < RECORDS_PAGE) return { events, cursor: LOG, caughtUp: false };
    }
  };

  return {
    readFrom: async (cursor, limit) => {
      if (cursor === undefined) return archivePage({}, limit);
      if (cursor.startsWith(ARCHIVE)) return archivePage(decode(cursor), limit);
      return logPage(cursor.startsWith(LOG) ? cursor.slice(LOG.length) : cursor, limit);
    },
  };
};

