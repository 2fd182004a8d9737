import { z } from 'zod';
import { AggregateId, AggregateType, EventEnvelope, StreamId } from './envelope.ts';
import { ValidationError } from './errors.ts';

// The feed: the log as outside services follow it (`GET /api/feed`, consumer groups). Order is the
// store's: the global position on the embedded store, the change feed of this region's copy on Cosmos
// DB (per stream only). A cursor is opaque to clients and names where a reader resumes in one region.

/** Which events a feed carries: one aggregate type (`category`), one stream, or all. */
export const FeedFilter = z
  .object({
    category: AggregateType.optional(),
    streamId: StreamId.optional(),
  })
  .refine((filter) => filter.category === undefined || filter.streamId === undefined, { message: 'give category or streamId, not both' });
export type FeedFilter = z.infer<typeof FeedFilter>;

export const matchesFeedFilter = (filter: FeedFilter, event: Pick<EventEnvelope, 'aggregateType' | 'streamId'>): boolean =>
  (filter.category === undefined || event.aggregateType === filter.category) && (filter.streamId === undefined || event.streamId === filter.streamId);

/** An event as the feed serves it: the envelope, and its global position where the store has one. */
export const FeedEvent = EventEnvelope.extend({
  position: z.number().int().min(1).optional().meta({ description: 'Global position of the event in the embedded log; absent on Cosmos DB, which has no order across streams.' }),
});
export type FeedEvent = z.infer<typeof FeedEvent>;

/** One event of a page, with the store's own cursor right after it (a message id of the SSE feed). */
export interface FeedEntry {
  event: FeedEvent;
  cursor: string;
}

export interface FeedPage {
  entries: FeedEntry[];
  /** The store's cursor after everything this read looked at (matching or not). */
  cursor: string;
  /** The source had nothing more when it was read. */
  caughtUp: boolean;
}

/** Where a read starts: from the beginning, from now (only what is appended next), or after a store cursor. */
export type FeedStart = { from: 'beginning' } | { from: 'now' } | { from: 'cursor'; cursor: string };

/**
 * The log as a feed, as a store offers it. Cursors are the store's own text (a global position, a change
 * feed continuation); `scopeOf` says which filters one cursor serves (a change feed continuation of one
 * partition key serves only that stream), so a cursor cannot be replayed under another filter.
 */
export interface FeedSource {
  /** `position`: global positions (the embedded store); `change-feed`: continuations of this region's copy (Cosmos DB). */
  readonly feedKind: 'position' | 'change-feed';
  scopeOf(filter: FeedFilter): string;
  readFeed(filter: FeedFilter, start: FeedStart, limit: number): Promise<FeedPage>;
  /** A store cursor for "now": what is appended after this call is read from it, whenever that read comes. */
  placeOfNow(filter: FeedFilter): Promise<string>;
}

export const isFeedSource = (value: unknown): value is FeedSource =>
  typeof value === 'object' && value !== null && typeof (value as Partial<FeedSource>).readFeed === 'function';

const CURSOR_PREFIX = 'f1.';

/** A client's cursor: region, the scope of the store cursor, and the store cursor itself. */
export interface FeedCursor {
  region: string;
  scope: string;
  cursor: string;
}

export const encodeFeedCursor = (cursor: FeedCursor): string =>
  CURSOR_PREFIX + Buffer.from(JSON.stringify([cursor.region, cursor.scope, cursor.cursor]), 'utf8').toString('base64url');

const CursorTuple = z.tuple([z.string(), z.string(), z.string()]);

/**
 * The store cursor a client's cursor names, checked against this region and the filter's scope. `path`
 * names the request part that carried it (`query.after`, `header.Last-Event-ID`) in the 400.
 */
export const decodeFeedCursor = (text: string, expected: { region: string; scope: string }, path: string): string => {
  const refuse = (message: string): never => {
    throw new ValidationError([{ path, message }]);
  };
  if (!text.startsWith(CURSOR_PREFIX)) return refuse('is not a feed cursor (use the cursor or an event id a feed answered)');
  let tuple: z.infer<typeof CursorTuple>;
  try {
    const parsed = CursorTuple.safeParse(JSON.parse(Buffer.from(text.slice(CURSOR_PREFIX.length), 'base64url').toString('utf8')));
    if (!parsed.success) return refuse('is not a feed cursor (use the cursor or an event id a feed answered)');
    tuple = parsed.data;
  } catch {
    return refuse('is not a feed cursor (use the cursor or an event id a feed answered)');
  }
  const [region, scope, cursor] = tuple;
  if (region !== expected.region)
    return refuse(`is a cursor of region ${region}; this is region ${expected.region}, and cursors are per region (each region's copy has its own change feed)`);
  if (scope !== expected.scope) return refuse(`was made for another filter (${scope}); give the filter it was made with, or start again`);
  return cursor;
};

/** `after`: a client cursor, or `now` (only events appended from now on); absent means from the beginning. */
export const FEED_AFTER_NOW = 'now';

/** How a stream id splits, for sources that read one stream's partition. */
export const StreamIdParts = z.object({ aggregateType: AggregateType, aggregateId: AggregateId });

/** A page as the feed routes answer it: the events and the client cursor to continue from. */
export interface FeedAnswer {
  region: string;
  events: FeedEvent[];
  /** Client cursor after this page (pass it as `after`). */
  cursor: string;
  caughtUp: boolean;
}

/** What an SSE stream carries: an event with its client cursor (the message id), or a heartbeat. */
export type FeedMessage = { kind: 'event'; event: FeedEvent; id: string } | { kind: 'heartbeat' };

export interface FeedReadRequest {
  filter: FeedFilter;
  start: FeedStart;
  limit: number;
  /** Long poll: wait this long for an event when there is none yet (0: answer at once). */
  waitMs: number;
  signal?: AbortSignal;
}

export interface FeedFollowRequest {
  filter: FeedFilter;
  start: FeedStart;
  signal: AbortSignal;
}

/** The feed of this region, as the routes use it (the consumers runtime implements it). */
export interface FeedService {
  readonly region: string;
  /** Where a client's `after` (or `Last-Event-ID`) starts a read under this filter; 400 naming `path` when it cannot. */
  startOf(filter: FeedFilter, after: string | undefined, path: string): FeedStart;
  /** The start with "now" fixed to this moment: a request's "now" is when it arrived, not when its stream first reads. */
  settle(filter: FeedFilter, start: FeedStart): Promise<FeedStart>;
  read(request: FeedReadRequest): Promise<FeedAnswer>;
  /** Events as they come, heartbeats between them, until the signal aborts or the stream's time is up. */
  follow(request: FeedFollowRequest): AsyncIterable<FeedMessage>;
}
