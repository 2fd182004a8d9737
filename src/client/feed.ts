import { setTimeout as delay } from 'node:timers/promises';
import { FeedEvent, type RetryPolicy } from '../core/index.ts';
import { EventLogProblemError, EventLogUnavailableError, EventLogUnexpectedResponseError } from './errors.ts';
import { nextRetryDelayMs, RETRYABLE_STATUSES } from './retry.ts';
import { parseServerSentEvents } from './sse.ts';
import { headersOf, problemErrorOf, readJson, urlOf, type TransportOptions } from './transport.ts';

// `GET /api/feed` as Server-Sent Events: one connection that the server ends now and then (and a network
// may drop), resumed each time with Last-Event-ID, so a reader sees every event once, in feed order.

export interface FeedOptions {
  /** Only events of this aggregate type. */
  category?: string;
  /** Only events of this stream (`{aggregateType}-{aggregateId}`). */
  streamId?: string;
  /** A cursor the feed gave (a message's `cursor`), or `now`; absent: from the beginning of the log. */
  after?: string;
  signal?: AbortSignal;
  /** Told each time a connection is open (the server answered 200): events appended from then on will come. */
  onConnected?: () => void;
  /** Told when a connection failed or went quiet and the feed connects again (after the wait the retry policy sets). */
  onReconnect?: (failures: number, error: Error) => void;
}

/** An event of the feed and the cursor right after it: pass it as `after` to resume behind this event. */
export interface FeedMessage {
  event: FeedEvent;
  cursor: string;
}

/** A connection with no byte for this long (heartbeats come every 15 s) is taken as dead and replaced. */
const IDLE_MS = 45_000;

/** An answer or a failure worth connecting again for; anything else ends the feed with its error. */
class Reconnect extends Error {}

/** The body's chunks, failing with Reconnect when none comes for `idleMs` (the connection is then aborted). */
async function* untilIdle(body: AsyncIterable<Uint8Array>, connection: AbortController, idleMs: number): AsyncIterable<Uint8Array> {
  let timer = setTimeout(() => connection.abort(new Reconnect(`no data for ${idleMs} ms`)), idleMs);
  try {
    for await (const chunk of body) {
      clearTimeout(timer);
      timer = setTimeout(() => connection.abort(new Reconnect(`no data for ${idleMs} ms`)), idleMs);
      yield chunk;
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The feed as an endless async iterator. A failed connection (no answer, 429/5xx, an `error` event, a
 * quiet connection) is retried with the client's backoff; after `retry.maxAttempts` failures in a row
 * without an event the iterator throws. 4xx answers (a bad cursor, a wrong key) throw at once.
 */
export async function* followFeed(options: TransportOptions & { idleMs?: number }, feed: FeedOptions): AsyncIterable<FeedMessage> {
  const url = urlOf(options.apiUrl, { segments: ['feed'], query: { category: feed.category, streamId: feed.streamId, after: feed.after } });
  let lastEventId: string | undefined;
  let failures = 0;
  const retry: RetryPolicy = options.retry;
  while (!feed.signal?.aborted) {
    const connection = new AbortController();
    const signal = feed.signal === undefined ? connection.signal : AbortSignal.any([feed.signal, connection.signal]);
    try {
      const headers = headersOf(options, { accept: 'text/event-stream', ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }) });
      // The client's time limit covers the answer's head only: the body is endless by design.
      const noAnswer = setTimeout(() => connection.abort(new Reconnect(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
      const response = await options
        .fetch(url, { headers, signal })
        .catch((error: unknown) => {
          if (feed.signal?.aborted) throw error;
          throw new Reconnect(new EventLogUnavailableError(url, { cause: error }).message);
        })
        .finally(() => clearTimeout(noAnswer));
      if (response.status !== 200) {
        const answer = { status: response.status, headers: response.headers, body: await readJson(response, url), url };
        if (RETRYABLE_STATUSES.has(response.status)) throw new Reconnect(problemErrorOf(answer).message);
        if (response.status >= 400) throw problemErrorOf(answer);
        throw new EventLogUnexpectedResponseError(url, response.status, 'expected HTTP 200 with text/event-stream');
      }
      if (response.body === null) throw new Reconnect('empty answer');
      feed.onConnected?.();
      for await (const message of parseServerSentEvents(untilIdle(response.body, connection, options.idleMs ?? IDLE_MS))) {
        if (message.event === 'error') throw new Reconnect(`the server ended the stream: ${message.data}`);
        const parsed = FeedEvent.safeParse(parseJson(message.data));
        if (!parsed.success || message.id === undefined) throw new EventLogUnexpectedResponseError(url, 200, 'a feed message without an id or with an event of another shape');
        lastEventId = message.id;
        failures = 0;
        yield { event: parsed.data, cursor: message.id };
      }
      // The server ends each stream after a while: connect again at once, from the last event.
    } catch (error) {
      if (feed.signal?.aborted) return;
      const reason = connectionFailure(error);
      if (reason === undefined) throw error;
      const wait = nextRetryDelayMs(failures, retry);
      failures++;
      if (wait === undefined) throw new EventLogUnavailableError(url, { cause: reason });
      feed.onReconnect?.(failures, reason);
      await delay(wait, undefined, { signal: feed.signal }).catch(() => undefined);
    } finally {
      connection.abort();
    }
  }
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

/** The error to reconnect after, or undefined when the error should end the feed. */
const connectionFailure = (error: unknown): Error | undefined => {
  if (error instanceof Reconnect) return error;
  if (error instanceof EventLogProblemError || error instanceof EventLogUnexpectedResponseError) return undefined;
  // A body that broke off (reset, aborted as idle) surfaces as whatever fetch throws mid-read.
  return error instanceof Error ? error : new Error(String(error));
};
