import { FeedFilter, type FeedMessage, type FeedService } from '../../core/index.ts';
import { FeedQuery } from '../feedSchemas.ts';
import { problemFromError } from '../problem.ts';
import type { ApiServices } from '../services.ts';
import type { ApiRequest, ApiResponse } from '../types.ts';
import { queryObject, validate } from '../validation.ts';

const DEFAULT_LIMIT = 100;
/** How long a client's EventSource waits before reconnecting after the stream ends (SSE `retry:`). */
const RECONNECT_MS = 1_000;

/** A client that accepts `text/event-stream` (an EventSource) gets the feed as Server-Sent Events. */
const wantsEventStream = (accept: string | undefined): boolean => accept !== undefined && /(^|,)\s*text\/event-stream\s*(;|,|$)/i.test(accept);

/** One SSE message; data lines may not hold a line break, and JSON.stringify writes none. */
const sseMessage = (message: FeedMessage): string =>
  message.kind === 'heartbeat' ? ': heartbeat\n\n' : `id: ${message.id}\ndata: ${JSON.stringify(message.event)}\n\n`;

/**
 * The SSE body: a reconnect delay, then the feed's messages. A failure once the stream has started
 * (the store going away) is sent as an `error` event with its problem, and the stream ends: the client
 * reconnects with Last-Event-ID and loses nothing.
 */
async function* eventStream(feed: FeedService, messages: AsyncIterable<FeedMessage>): AsyncIterable<string> {
  yield `retry: ${RECONNECT_MS}\n: feed of region ${feed.region}\n\n`;
  try {
    for await (const message of messages) yield sseMessage(message);
  } catch (error) {
    yield `event: error\ndata: ${JSON.stringify(problemFromError(error).body)}\n\n`;
  }
}

/**
 * `GET /api/feed?category=|streamId=&after=&limit=&wait=`: a page of the feed and the cursor to go on
 * from; with `Accept: text/event-stream`, the feed as Server-Sent Events, one event per message with
 * its cursor as the id, resumed after `Last-Event-ID` (which wins over `after`).
 */
export const readFeed = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  const { query } = validate({ query: [FeedQuery, queryObject(request.query)] });
  const { query: filter } = validate({ query: [FeedFilter, { category: query.category, streamId: query.streamId }] });
  if (wantsEventStream(request.headers.accept)) {
    const lastEventId = request.headers['last-event-id'];
    const start = await services.feed.settle(
      filter,
      lastEventId !== undefined && lastEventId !== ''
        ? services.feed.startOf(filter, lastEventId, 'header.Last-Event-ID')
        : services.feed.startOf(filter, query.after, 'query.after'),
    );
    const signal = request.signal ?? new AbortController().signal;
    return {
      status: 200,
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' },
      stream: eventStream(services.feed, services.feed.follow({ filter, start, signal })),
    };
  }
  const start = await services.feed.settle(filter, services.feed.startOf(filter, query.after, 'query.after'));
  return { status: 200, body: await services.feed.read({ filter, start, limit: query.limit ?? DEFAULT_LIMIT, waitMs: query.wait ?? 0, signal: request.signal }) };
};
