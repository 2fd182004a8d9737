import type { ContainerState, PhysicalPartition, StoredItem } from './container.ts';
import type { JsonObject } from './json.ts';
import type { EpkRange } from './partitioning.ts';

// The change feed in latest version mode, per https://learn.microsoft.com/azure/cosmos-db/nosql/change-feed-modes:
// "a persistent record of changes made to items from creates and updates. You get the latest version
// of each item in the container. For example, if an item is created and then updated before you read
// the change feed, only the updated version appears in the change feed. Deletes aren't captured".
// Changes come per partition key range in the order they were made
// (https://learn.microsoft.com/azure/cosmos-db/change-feed): each write carries its partition's log
// sequence number `_lsn`, the feed is sorted by it, and the continuation (the response's etag) is the
// LSN read up to. From https://learn.microsoft.com/azure/cosmos-db/nosql/change-feed-pull-model:
// items changed by one transaction come as one atomic unit, so a page may hold more than the page
// size; and with no new changes the answer is NotModified (304).

export type FeedStart =
  | { from: 'beginning' }
  | { from: 'now' }
  /** Changes at or after this time (the request's If-Modified-Since, second precision like `_ts`). */
  | { from: 'time'; epochSeconds: number }
  /** Changes after this LSN (the etag of an earlier response). */
  | { from: 'continuation'; lsn: number };

export interface FeedScope {
  /** The EPK range asked for: a whole partition key range or a narrower feed range. */
  range: EpkRange;
  /** Only this logical partition (a feed for one partition key). */
  partitionKey?: string;
}

export interface FeedPage {
  /** Empty when nothing changed since the start: the service answers 304 Not Modified. */
  items: JsonObject[];
  /** The LSN to continue from (served as the etag). */
  lsn: number;
}

export const DEFAULT_FEED_PAGE_SIZE = 100;

const lsnOf = (item: StoredItem): number => item.body._lsn as number;

const changedSince = (item: StoredItem, start: FeedStart): boolean => {
  switch (start.from) {
    case 'beginning':
      return true;
    case 'now':
      return false;
    case 'time':
      return (item.body._ts as number) >= start.epochSeconds;
    case 'continuation':
      return lsnOf(item) > start.lsn;
  }
};

/** Takes whole transactions (items sharing an LSN) until the page holds at least `pageSize` items. */
const wholeTransactions = (sorted: StoredItem[], pageSize: number): StoredItem[] => {
  const page: StoredItem[] = [];
  for (const item of sorted) {
    if (page.length >= pageSize && lsnOf(item) !== lsnOf(page.at(-1)!)) break;
    page.push(item);
  }
  return page;
};

export const readChangeFeed = (
  container: ContainerState,
  partition: PhysicalPartition,
  scope: FeedScope,
  start: FeedStart,
  pageSize: number = DEFAULT_FEED_PAGE_SIZE,
): FeedPage => {
  const candidates = scope.partitionKey === undefined ? container.inRange(scope.range) : container.inLogicalPartition(scope.partitionKey);
  const changed = candidates.filter((item) => changedSince(item, start)).sort((a, b) => lsnOf(a) - lsnOf(b));
  const page = wholeTransactions(changed, pageSize);
  if (page.length === 0) return { items: [], lsn: start.from === 'continuation' ? Math.max(start.lsn, partition.lsn) : partition.lsn };
  return { items: page.map((item) => item.body), lsn: lsnOf(page.at(-1)!) };
};
