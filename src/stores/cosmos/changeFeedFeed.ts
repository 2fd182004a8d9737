import { ChangeFeedStartFrom, StatusCodes, type Container } from '@azure/cosmos';
import { z } from 'zod';
import { FeedEvent, isMarkedNonEvent, matchesFeedFilter, type FeedEntry, type FeedFilter, type FeedPage, type FeedStart } from '../../core/index.ts';
import { withoutSystemProperties } from './conditionalWrites.ts';

// The feed on Cosmos DB: the change feed (latest version mode) of this region's copy of `events`, read
// with the pull model (https://learn.microsoft.com/azure/cosmos-db/nosql/change-feed-pull-model). Its
// continuation tokens are the cursors: they resume one feed range or one partition key, and a token of
// one scope does not serve another, so a stream's feed (its partition key) has cursors of its own.
// A continuation names the place after a whole page, while each event needs an id of its own (an SSE
// message id): an event's cursor is the place its page started from, the page size, and how many of
// the page's events come before and with it, named by the page's first event. Read again from that
// place, a feed range returns the same documents first (events are never changed, so none moves later
// in its range's feed), but a container's feed goes through its feed ranges in turn, and a range that
// had nothing the first time may come first now: its documents are new and are all delivered, while the
// skip waits in the cursor for the page that starts with the named document again.

/** Where a page starts: the beginning, a point in time (cursors made before "now" became a continuation), or a continuation. */
const PageStart = z.union([
  z.object({ kind: z.literal('beginning') }),
  z.object({ kind: z.literal('time'), at: z.iso.datetime() }),
  z.object({ kind: z.literal('continuation'), token: z.string() }),
]);
type PageStart = z.infer<typeof PageStart>;

/** Events already delivered from the page whose first event is `first` (`{streamId}|{id}`). */
const Skip = z.object({ first: z.string(), count: z.number().int().min(1) });
type Skip = z.infer<typeof Skip>;

/** At most one pending skip per feed range, so a handful; more means a cursor that was not made here. */
const StoreCursor = z.object({ start: PageStart, size: z.number().int().min(1), skips: z.array(Skip).max(1000) });
type StoreCursor = z.infer<typeof StoreCursor>;

const encode = (cursor: StoreCursor): string => JSON.stringify(cursor);

const decode = (text: string): StoreCursor => {
  try {
    return StoreCursor.parse(JSON.parse(text));
  } catch {
    throw new Error(`feed cursor is not a change feed cursor: ${text.slice(0, 80)}`);
  }
};

const startFrom = (start: PageStart, filter: FeedFilter) => {
  // A stream's feed reads its own logical partition only.
  const scope = filter.streamId;
  if (start.kind === 'continuation') return ChangeFeedStartFrom.Continuation(start.token);
  if (start.kind === 'time') return ChangeFeedStartFrom.Time(new Date(start.at), scope);
  return ChangeFeedStartFrom.Beginning(scope);
};

/** Reads that may go by before "now" has a place in every feed range (each answers 304 at once; more means a range split). */
const NOW_READS = 10;

/**
 * "Now" as a continuation with a place in every feed range. A continuation made by an iterator that
 * started at a point in time or "now" carries no place for the ranges it has not read yet, and the SDK
 * reads those from the beginning when it resumes from it (the start time is not in the token:
 * `buildFeedOptions` in @azure/cosmos sends If-Modified-Since only for a start time, not a continuation).
 * One read that answers 304 has asked every range
 * (https://learn.microsoft.com/azure/cosmos-db/nosql/change-feed-pull-model#consume-the-changes-for-an-entire-container),
 * so its token names a place in each, and the feed reads on from there whoever resumes it.
 */
const nowOf = async (container: Container, filter: FeedFilter): Promise<PageStart> => {
  const iterator = container.items.getChangeFeedIterator({ changeFeedStartFrom: ChangeFeedStartFrom.Now(filter.streamId), maxItemCount: 1 });
  for (let read = 0; read < NOW_READS; read++) {
    const response = await iterator.readNext();
    if (response.statusCode === StatusCodes.NotModified && response.continuationToken !== undefined) return { kind: 'continuation', token: response.continuationToken };
  }
  throw new Error(`the change feed gave no place for "now" in ${NOW_READS} reads`);
};

/** Page size of a cursor made by `placeOfChangeFeedNow`: pages read on from it hold up to this many documents. */
const NOW_PAGE_SIZE = 100;

/** A store cursor for "now" (FeedSource.placeOfNow). */
export const placeOfChangeFeedNow = async (container: Container, filter: FeedFilter): Promise<string> =>
  encode({ start: await nowOf(container, filter), size: NOW_PAGE_SIZE, skips: [] });

export const changeFeedScopeOf = (filter: FeedFilter): string => (filter.streamId === undefined ? '*' : `stream:${filter.streamId}`);

export const readChangeFeedPage = async (container: Container, filter: FeedFilter, from: FeedStart, limit: number): Promise<FeedPage> => {
  const cursor: StoreCursor =
    from.from === 'cursor'
      ? decode(from.cursor)
      : { start: from.from === 'now' ? await nowOf(container, filter) : { kind: 'beginning' }, size: limit, skips: [] };
  const iterator = container.items.getChangeFeedIterator({ changeFeedStartFrom: startFrom(cursor.start, filter), maxItemCount: cursor.size });
  const response = await iterator.readNext();
  const documents = (response.result ?? []) as unknown[];
  // A skip counts events only: they never change, so a page read again from the same place holds them
  // in the same order. The product's own documents (stream heads, archive records) change with every
  // append and move later in the feed, so a page read again may start with, or hold, others of them.
  const events = documents.flatMap((document) => {
    if (isMarkedNonEvent(document)) return [];
    const parsed = FeedEvent.safeParse(withoutSystemProperties(document as Record<string, unknown>));
    return parsed.success ? [parsed.data] : [];
  });
  // The skip of this page, if it is the page an earlier read delivered part of; others stay pending.
  const first = events[0] === undefined ? undefined : `${events[0].streamId}|${events[0].id}`;
  const skip = cursor.skips.find((s) => s.first === first)?.count ?? 0;
  const pending = cursor.skips.filter((s) => s.first !== first);
  const entries: FeedEntry[] = [];
  events.forEach((event, index) => {
    if (index >= skip && matchesFeedFilter(filter, event))
      entries.push({ event, cursor: encode({ start: cursor.start, size: cursor.size, skips: [...pending, { first: first!, count: index + 1 }] }) });
  });
  const token = response.continuationToken;
  const delivered = Math.max(skip, events.length);
  const next: StoreCursor =
    token === undefined
      ? { ...cursor, skips: first === undefined || delivered === 0 ? cursor.skips : [...pending, { first, count: delivered }] }
      : { start: { kind: 'continuation', token }, size: limit, skips: pending };
  return { entries, cursor: encode(next), caughtUp: response.statusCode === StatusCodes.NotModified };
};
