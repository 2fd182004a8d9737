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
// the page's documents come before and with it. The documents after a continuation come back in the
// same order (events are never changed, so none moves later in the feed), so the page read again from
// there with that size holds them first, and the ones already delivered are skipped.

/** Where a page starts: the beginning, a point in time (a feed "from now" that can be read again), or a continuation. */
const PageStart = z.union([
  z.object({ kind: z.literal('beginning') }),
  z.object({ kind: z.literal('time'), at: z.iso.datetime() }),
  z.object({ kind: z.literal('continuation'), token: z.string() }),
]);
type PageStart = z.infer<typeof PageStart>;

const StoreCursor = z.object({ start: PageStart, size: z.number().int().min(1), skip: z.number().int().min(0) });
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

export const changeFeedScopeOf = (filter: FeedFilter): string => (filter.streamId === undefined ? '*' : `stream:${filter.streamId}`);

export const readChangeFeedPage = async (container: Container, filter: FeedFilter, from: FeedStart, limit: number): Promise<FeedPage> => {
  const cursor: StoreCursor =
    from.from === 'cursor'
      ? decode(from.cursor)
      : { start: from.from === 'now' ? { kind: 'time', at: new Date().toISOString() } : { kind: 'beginning' }, size: limit, skip: 0 };
  const iterator = container.items.getChangeFeedIterator({ changeFeedStartFrom: startFrom(cursor.start, filter), maxItemCount: cursor.size });
  const response = await iterator.readNext();
  const documents = (response.result ?? []) as unknown[];
  const entries: FeedEntry[] = [];
  documents.forEach((document, index) => {
    if (index < cursor.skip || isMarkedNonEvent(document)) return;
    const parsed = FeedEvent.safeParse(withoutSystemProperties(document as Record<string, unknown>));
    if (parsed.success && matchesFeedFilter(filter, parsed.data))
      entries.push({ event: parsed.data, cursor: encode({ start: cursor.start, size: cursor.size, skip: index + 1 }) });
  });
  const token = response.continuationToken;
  const next: StoreCursor =
    token === undefined ? { ...cursor, skip: Math.max(cursor.skip, documents.length) } : { start: { kind: 'continuation', token }, size: limit, skip: 0 };
  return { entries, cursor: encode(next), caughtUp: response.statusCode === StatusCodes.NotModified };
};
