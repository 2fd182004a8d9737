import { z } from 'zod';
import type { ExpectedVersion, NewEvent, RetryPolicy, StreamRef } from '../core/index.ts';
import { ViewResponse } from '../api/projectionSchemas.ts';
import { AppendResponse as AppendResponseSchema, HealthResponse, ReadResponse, StreamInfoResponse } from '../api/schemas.ts';
import { createConsumer, type Consumer, type ConsumerOptions } from './consumer.ts';
import { EventLogUnexpectedResponseError } from './errors.ts';
import { followFeed, type FeedMessage, type FeedOptions } from './feed.ts';
import { DEFAULT_CLIENT_RETRY } from './retry.ts';
import { createTransport, problemErrorOf, type HttpAnswer, type Transport, type TransportOptions } from './transport.ts';

export type AppendResponse = z.infer<typeof AppendResponseSchema>;
export type StreamPage = z.infer<typeof ReadResponse>;
export type StreamInfo = z.infer<typeof StreamInfoResponse>;
export type Health = z.infer<typeof HealthResponse>;

export type ViewDocument<Data = unknown> = Omit<z.infer<typeof ViewResponse>, 'data'> & { data: Data };

export interface EventLogClientOptions {
  /** Base URL of the Function App or local host, e.g. `http://127.0.0.1:7071` (a trailing `/api` is accepted too). */
  url: string;
  /** Sent as `x-functions-key`. */
  apiKey?: string;
  /** Retries of idempotent requests on 429/502/503/504 and on no answer; `{ maxAttempts: 1 }` turns them off. */
  retry?: Partial<RetryPolicy>;
  /** Time limit of one try, in ms (default 30 000). */
  timeoutMs?: number;
  /** A fetch to use instead of the global one (tests, proxies). */
  fetch?: typeof fetch;
}

export interface AppendOptions {
  /** Omitted means `"any"`. */
  expectedVersion?: ExpectedVersion;
  /**
   * Makes the append safe to retry. By default the client generates one per call, so a try whose answer
   * was lost can be repeated without writing twice; pass your own to dedupe across processes, or `false`
   * to send none (the append is then never retried).
   */
  idempotencyKey?: string | false;
  signal?: AbortSignal;
}

export interface AppendAnswer extends AppendResponse {
  /** True when the server recognised the Idempotency-Key and answered with the original result. */
  replayed: boolean;
}

export interface StreamReadOptions {
  fromVersion?: number;
  toVersion?: number;
  /** Events per page (1-1000, server default 100). */
  limit?: number;
  /** Time travel: only events recorded at or before this instant. */
  asOf?: Date | string;
  signal?: AbortSignal;
}

export interface GetViewOptions<Data> {
  /** A consistencyToken from an append: wait until this region's projection has applied that write. */
  atLeast?: string;
  /** How long the server may wait for `atLeast`, in ms (server default 5000, max 30000). */
  waitMs?: number;
  /** Parses `data`; without it `data` is returned as the server sent it. */
  schema?: z.ZodType<Data>;
  signal?: AbortSignal;
}

export interface EventLogClient {
  append(stream: StreamRef, events: NewEvent[], options?: AppendOptions): Promise<AppendAnswer>;
  /** The stream's events page by page, in sequence order; no pages when the stream has no events. */
  readStream(stream: StreamRef, options?: StreamReadOptions): AsyncIterable<StreamPage>;
  /** Undefined when the stream has no events. */
  getStream(stream: StreamRef, options?: { signal?: AbortSignal }): Promise<StreamInfo | undefined>;
  /** Undefined when the view has no document for the key. */
  getView<Data = unknown>(view: string, key: string, options?: GetViewOptions<Data>): Promise<ViewDocument<Data> | undefined>;
  health(options?: { signal?: AbortSignal }): Promise<Health>;
  /**
   * The feed (`GET /api/feed`) over Server-Sent Events, endless: every event once, in feed order, across
   * reconnects (each resumed with Last-Event-ID). End it with `options.signal` or by leaving the loop.
   */
  feed(options?: FeedOptions): AsyncIterable<FeedMessage>;
  /** A member of the consumer group `group` (`/api/consumers/{group}`). */
  consumer(group: string, options?: ConsumerOptions): Consumer;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** The API's base URL (`.../api`) from a host URL; throws TypeError for one the client cannot use. */
export const apiUrlOf = (url: string): string => {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError(`url must be http(s): ${url}`);
  if (parsed.search !== '' || parsed.hash !== '') throw new TypeError(`url must not carry a query or fragment: ${url}`);
  const base = parsed.toString().replace(/\/+$/, '');
  return base.endsWith('/api') ? base : `${base}/api`;
};

/** The answer's body as `schema` says when the status is `expected`; the server's problem as an error otherwise. */
export const parseAnswer = <S extends z.ZodType>(answer: HttpAnswer, expected: number, schema: S): z.infer<S> => {
  if (answer.status !== expected) {
    if (answer.status >= 400) throw problemErrorOf(answer);
    throw new EventLogUnexpectedResponseError(answer.url, answer.status, `expected HTTP ${expected}`);
  }
  const parsed = schema.safeParse(answer.body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new EventLogUnexpectedResponseError(answer.url, answer.status, `${issue.path.join('.') || 'body'}: ${issue.message}`);
};

/**
 * A 404 problem of type `not-found` means "nothing there" (no events, no view document). Any other 404
 * (`no-route` from the local host, a bare one from the Functions host or a proxy) is a wrong URL or a
 * missing route and stays an error.
 */
const isAbsent = (answer: HttpAnswer): boolean =>
  answer.status === 404 && typeof answer.body === 'object' && answer.body !== null && (answer.body as { type?: unknown }).type === 'not-found';

const streamSegments = (stream: StreamRef): string[] => ['streams', stream.aggregateType, stream.aggregateId];

/** A typed client of the event log's HTTP API (docs/api.md), for a local host and a deployed Function App alike. */
export const createEventLogClient = (options: EventLogClientOptions): EventLogClient => {
  const transport: TransportOptions = {
    apiUrl: apiUrlOf(options.url),
    apiKey: options.apiKey,
    fetch: options.fetch ?? globalThis.fetch,
    retry: { ...DEFAULT_CLIENT_RETRY, ...options.retry },
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  };
  const send: Transport = createTransport(transport);

  return {
    async append(stream, events, appendOptions = {}) {
      const idempotencyKey = appendOptions.idempotencyKey === undefined ? globalThis.crypto.randomUUID() : appendOptions.idempotencyKey;
      const answer = await send({
        method: 'POST',
        segments: [...streamSegments(stream), 'events'],
        body: { ...(appendOptions.expectedVersion === undefined ? {} : { expectedVersion: appendOptions.expectedVersion }), events },
        headers: idempotencyKey === false ? {} : { 'idempotency-key': idempotencyKey },
        idempotent: idempotencyKey !== false,
        signal: appendOptions.signal,
      });
      const body = parseAnswer(answer, 201, AppendResponseSchema);
      return { ...body, replayed: answer.headers.get('idempotent-replayed') === 'true' };
    },

    async *readStream(stream, readOptions = {}) {
      const asOf = readOptions.asOf instanceof Date ? readOptions.asOf.toISOString() : readOptions.asOf;
      let continuationToken: string | undefined;
      for (;;) {
        const answer = await send({
          method: 'GET',
          segments: [...streamSegments(stream), 'events'],
          query: {
            ...(continuationToken === undefined ? { fromVersion: readOptions.fromVersion } : { continuationToken }),
            toVersion: readOptions.toVersion,
            limit: readOptions.limit,
            asOf,
          },
          idempotent: true,
          signal: readOptions.signal,
        });
        if (continuationToken === undefined && isAbsent(answer)) return;
        const page = parseAnswer(answer, 200, ReadResponse);
        yield page;
        if (page.continuationToken === undefined) return;
        continuationToken = page.continuationToken;
      }
    },

    async getStream(stream, getOptions = {}) {
      const answer = await send({ method: 'GET', segments: streamSegments(stream), idempotent: true, signal: getOptions.signal });
      return isAbsent(answer) ? undefined : parseAnswer(answer, 200, StreamInfoResponse);
    },

    async getView<Data>(view: string, key: string, viewOptions: GetViewOptions<Data> = {}) {
      const answer = await send({
        method: 'GET',
        segments: ['views', view, key],
        query: { atLeast: viewOptions.atLeast, wait: viewOptions.waitMs },
        idempotent: true,
        signal: viewOptions.signal,
      });
      if (isAbsent(answer)) return undefined;
      const document = parseAnswer(answer, 200, ViewResponse);
      if (viewOptions.schema === undefined) return document as ViewDocument<Data>;
      return { ...document, data: parseAnswer({ ...answer, body: document.data }, 200, viewOptions.schema) };
    },

    async health(healthOptions = {}) {
      return parseAnswer(await send({ method: 'GET', segments: ['health'], idempotent: true, signal: healthOptions.signal }), 200, HealthResponse);
    },

    feed: (feedOptions = {}) => followFeed(transport, feedOptions),

    consumer: (group, consumerOptions) => createConsumer(send, parseAnswer, group, consumerOptions),
  };
};
