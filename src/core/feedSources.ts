import { isFeedSource, matchesFeedFilter, type FeedEntry, type FeedFilter, type FeedPage, type FeedSource, type FeedStart } from './feed.ts';
import { hasGlobalLog, type EventStore, type GlobalLog } from './ports.ts';

/** Most events one filtered read looks at before it answers with what it found (a sparse category must not hold a request for long). */
const SCAN_BUDGET = 10_000;

const positionOf = (cursor: string): number => {
  const position = Number(cursor);
  if (!Number.isSafeInteger(position) || position < 0) throw new Error(`feed cursor "${cursor}" is not a global log position`);
  return position;
};

/**
 * The embedded log as a feed: cursors are global positions, valid under every filter (one order for
 * all streams), so a reader may change its filter and keep its place. A filter is applied while
 * reading; a read that found fewer matches than asked still moves the cursor past what it looked at.
 */
export const globalLogFeed = (log: GlobalLog): FeedSource => ({
  feedKind: 'position',
  scopeOf: () => '*',
  placeOfNow: async () => String(await log.headPosition()),
  readFeed: async (filter: FeedFilter, start: FeedStart, limit: number): Promise<FeedPage> => {
    let after = start.from === 'beginning' ? 0 : start.from === 'now' ? await log.headPosition() : positionOf(start.cursor);
    const entries: FeedEntry[] = [];
    let scanned = 0;
    for (;;) {
      const page = await log.readAll(after, limit);
      for (const event of page) {
        if (matchesFeedFilter(filter, event)) entries.push({ event, cursor: String(event.position) });
        after = event.position;
        if (entries.length === limit) break;
      }
      scanned += page.length;
      const caughtUp = page.length < limit && entries.length < limit;
      if (entries.length === limit || caughtUp || scanned >= SCAN_BUDGET) return { entries, cursor: String(after), caughtUp };
    }
  },
});

/** The log as outside readers follow it: by global position where the store has one, else the store's own feed (the change feed). */
export const feedSourceOf = (store: EventStore): FeedSource => {
  if (hasGlobalLog(store)) return globalLogFeed(store);
  if (isFeedSource(store)) return store;
  throw new Error(`the ${store.kind} store offers neither a global log nor a feed`);
};
