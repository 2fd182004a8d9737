import { describe, expect, it } from 'vitest';
import {
  createEventLogClient,
  EventLogProblemError,
  EventLogUnavailableError,
  EventLogUnexpectedResponseError,
} from '../../src/client/index.ts';

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: unknown;
}

type Reply = Response | Error | (() => Response | Promise<Response>);

/** A fetch that answers from a script and records what was sent; runs out loudly. */
const scriptedFetch = (...replies: Reply[]) => {
  const sent: Sent[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    sent.push({
      url: String(input),
      method: init?.method ?? 'GET',
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    });
    const reply = replies.shift();
    if (reply === undefined) throw new Error('scripted fetch ran out of replies');
    if (reply instanceof Error) throw reply;
    return typeof reply === 'function' ? reply() : reply;
  }) as typeof globalThis.fetch;
  return { fetch, sent };
};

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const problem = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ title: 'x', status, detail: 'd', ...body }), {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });

const stream = { aggregateType: 'Cart', aggregateId: 'c-1' };
const appended = {
  streamId: 'Cart-c-1',
  aggregateType: 'Cart',
  aggregateId: 'c-1',
  firstSequence: 1,
  lastSequence: 1,
  version: 1,
  eventIds: ['00000000-0000-4000-8000-000000000000'],
  recordedAt: '2030-01-01T00:00:00.000Z',
  consistencyToken: 'v1.x',
};
const unavailable = () => problem(503, { type: 'store-unavailable' }, { 'retry-after': '0' });
const fastRetry = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2000 };

describe('the HTTP client', () => {
  it('sends the API key as x-functions-key and builds URLs below /api with encoded segments', async () => {
    const { fetch, sent } = scriptedFetch(json(200, { streamId: 'a', aggregateType: 'Cart', aggregateId: 'c-1', version: 1, createdAt: appended.recordedAt, updatedAt: appended.recordedAt }));
    const client = createEventLogClient({ url: 'http://127.0.0.1:1/', apiKey: 'k3y', fetch });
    await client.getStream({ aggregateType: 'Cart', aggregateId: 'a:b@c' });
    expect(sent[0]!.url).toBe('http://127.0.0.1:1/api/streams/Cart/a%3Ab%40c');
    expect(sent[0]!.headers['x-functions-key']).toBe('k3y');
  });

  it('accepts a base URL that already ends in /api', async () => {
    const { fetch, sent } = scriptedFetch(json(200, { status: 'ok', store: 'sqlite', region: 'local', version: '1' }));
    await createEventLogClient({ url: 'http://127.0.0.1:1/api/', fetch }).health();
    expect(sent[0]!.url).toBe('http://127.0.0.1:1/api/health');
  });

  it('generates an Idempotency-Key per append and sends the same one on every retry', async () => {
    const { fetch, sent } = scriptedFetch(unavailable(), unavailable(), json(201, appended));
    const client = createEventLogClient({ url: 'http://127.0.0.1:1', fetch, retry: fastRetry });
    const result = await client.append(stream, [{ type: 'Added', data: {} }], { expectedVersion: 'no_stream' });
    expect(result.version).toBe(1);
    expect(sent).toHaveLength(3);
    const keys = sent.map((s) => s.headers['idempotency-key']);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(keys).size).toBe(1);
    expect(sent[0]!.body).toEqual({ expectedVersion: 'no_stream', events: [{ type: 'Added', data: {} }] });

    const second = scriptedFetch(json(201, appended));
    await createEventLogClient({ url: 'http://127.0.0.1:1', fetch: second.fetch }).append(stream, [{ type: 'Added', data: {} }]);
    expect(second.sent[0]!.headers['idempotency-key']).not.toBe(keys[0]);
  });

  it('uses a caller-chosen Idempotency-Key and reports a replayed answer', async () => {
    const { fetch, sent } = scriptedFetch(json(201, appended, { 'idempotent-replayed': 'true' }));
    const result = await createEventLogClient({ url: 'http://127.0.0.1:1', fetch }).append(stream, [{ type: 'Added', data: {} }], { idempotencyKey: 'order-7' });
    expect(sent[0]!.headers['idempotency-key']).toBe('order-7');
    expect(result.replayed).toBe(true);
  });

  it('never retries an append sent without an Idempotency-Key', async () => {
    const { fetch, sent } = scriptedFetch(unavailable(), json(201, appended));
    const client = createEventLogClient({ url: 'http://127.0.0.1:1', fetch, retry: fastRetry });
    const error = await client.append(stream, [{ type: 'Added', data: {} }], { idempotencyKey: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventLogProblemError);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers['idempotency-key']).toBeUndefined();
  });

  it('waits as long as Retry-After says before retrying', async () => {
    const { fetch, sent } = scriptedFetch(problem(503, { type: 'store-unavailable' }, { 'retry-after': '1' }), json(200, { status: 'ok', store: 's', region: 'r', version: '1' }));
    const started = performance.now();
    await createEventLogClient({ url: 'http://127.0.0.1:1', fetch, retry: fastRetry }).health();
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(sent).toHaveLength(2);
  });

  it('gives up at once when Retry-After is longer than the longest wait it allows, keeping the server answer', async () => {
    const { fetch, sent } = scriptedFetch(problem(503, { type: 'store-unavailable' }, { 'retry-after': '120' }));
    const error = await createEventLogClient({ url: 'http://127.0.0.1:1', fetch, retry: fastRetry }).health().catch((e: unknown) => e);
    expect(sent).toHaveLength(1);
    expect(error).toBeInstanceOf(EventLogProblemError);
    expect(error).toMatchObject({ status: 503, type: 'store-unavailable', retryAfterSeconds: 120 });
  });

  it('stops after the allowed number of tries', async () => {
    const { fetch, sent } = scriptedFetch(unavailable(), unavailable(), unavailable(), unavailable());
    const error = await createEventLogClient({ url: 'http://127.0.0.1:1', fetch, retry: fastRetry }).getStream(stream).catch((e: unknown) => e);
    expect(sent).toHaveLength(3);
    expect(error).toMatchObject({ status: 503 });
  });

  it('retries reads when there is no answer at all, then reports the server unavailable', async () => {
    const refused = new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') });
    const { fetch, sent } = scriptedFetch(refused, refused, refused);
    const error = await createEventLogClient({ url: 'http://127.0.0.1:1', fetch, retry: fastRetry }).getStream(stream).catch((e: unknown) => e);
    expect(sent).toHaveLength(3);
    expect(error).toBeInstanceOf(EventLogUnavailableError);
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  it('times out a try that takes too long', async () => {
    // Answers only by failing when the signal aborts, like a server that never responds.
    const fetch = ((_url: string, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal!.reason));
      })) as typeof globalThis.fetch;
    const error = await createEventLogClient({ url: 'http://127.0.0.1:1', fetch, timeoutMs: 50, retry: { maxAttempts: 1 } }).getStream(stream).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventLogUnavailableError);
  });

  it('surfaces problem+json as a typed error with status, type, detail and the versions of a conflict', async () => {
    const { fetch } = scriptedFetch(
      problem(409, { type: 'concurrency-conflict', detail: 'stream Cart-c-1 is at version 3, expected 1', expectedVersion: 1, currentVersion: 3 }),
    );
    const error = await createEventLogClient({ url: 'http://127.0.0.1:1', fetch }).append(stream, [{ type: 'Added', data: {} }], { expectedVersion: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventLogProblemError);
    expect(error).toMatchObject({ status: 409, type: 'concurrency-conflict', detail: 'stream Cart-c-1 is at version 3, expected 1', currentVersion: 3, expectedVersion: 1 });
  });

  it('carries the field errors of a validation problem', async () => {
    const { fetch } = scriptedFetch(problem(400, { type: 'validation-error', errors: [{ path: 'body.events.0.type', message: 'required' }] }));
    const error = await createEventLogClient({ url: 'http://127.0.0.1:1', fetch }).append(stream, [{ type: 'Added', data: {} }]).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, type: 'validation-error', errors: [{ path: 'body.events.0.type', message: 'required' }] });
  });

  it('turns an error answer without a problem document into a typed error too', async () => {
    const { fetch } = scriptedFetch(new Response(null, { status: 401 }));
    const error = await createEventLogClient({ url: 'http://127.0.0.1:1', fetch }).getStream(stream).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventLogProblemError);
    expect(error).toMatchObject({ status: 401, type: 'about:blank' });
  });

  it('treats a bare 404 (no problem document) as a wrong URL, not as an absent stream', async () => {
    const { fetch } = scriptedFetch(new Response('Not Found', { status: 404, headers: { 'content-type': 'text/plain' } }));
    await expect(createEventLogClient({ url: 'http://127.0.0.1:1', fetch }).getStream(stream)).rejects.toMatchObject({ status: 404 });
  });

  it('rejects an answer that does not match the contract', async () => {
    const { fetch } = scriptedFetch(json(201, { version: 'three' }));
    await expect(createEventLogClient({ url: 'http://127.0.0.1:1', fetch }).append(stream, [{ type: 'Added', data: {} }])).rejects.toBeInstanceOf(
      EventLogUnexpectedResponseError,
    );
  });

  it('refuses a base URL that is not http(s)', () => {
    expect(() => createEventLogClient({ url: 'ftp://example.com' })).toThrow(/http/);
  });

  it('follows continuation tokens page by page and keeps the range on every page', async () => {
    const event = (sequence: number) => ({
      id: `00000000-0000-4000-8000-00000000000${sequence}`,
      streamId: 'Cart-c-1',
      aggregateType: 'Cart',
      aggregateId: 'c-1',
      sequence,
      type: 'Added',
      schemaVersion: 1,
      data: {},
      metadata: {},
      recordedAt: appended.recordedAt,
      region: 'local',
    });
    const { fetch, sent } = scriptedFetch(
      json(200, { streamId: 'Cart-c-1', version: 3, events: [event(1), event(2)], continuationToken: 'r1.Mw' }),
      json(200, { streamId: 'Cart-c-1', version: 3, events: [event(3)] }),
    );
    const pages = [];
    for await (const page of createEventLogClient({ url: 'http://127.0.0.1:1', fetch }).readStream(stream, { limit: 2, toVersion: 3, asOf: new Date(appended.recordedAt) }))
      pages.push(page.events.map((e) => e.sequence));
    expect(pages).toEqual([[1, 2], [3]]);
    const second = new URL(sent[1]!.url);
    expect(second.searchParams.get('continuationToken')).toBe('r1.Mw');
    expect(second.searchParams.get('fromVersion')).toBeNull();
    expect(second.searchParams.get('toVersion')).toBe('3');
    expect(second.searchParams.get('asOf')).toBe(appended.recordedAt);
  });

  it('reads a view with a read-your-writes token and how long the server may wait', async () => {
    const { fetch, sent } = scriptedFetch(json(200, { view: 'stream', key: 'Cart-c-1', region: 'local', data: { version: 1 }, updatedAt: appended.recordedAt }));
    const view = await createEventLogClient({ url: 'http://127.0.0.1:1', fetch }).getView<{ version: number }>('stream', 'Cart-c-1', { atLeast: 'v1.x', waitMs: 2000 });
    expect(view?.data.version).toBe(1);
    const url = new URL(sent[0]!.url);
    expect(url.pathname).toBe('/api/views/stream/Cart-c-1');
    expect(url.searchParams.get('atLeast')).toBe('v1.x');
    expect(url.searchParams.get('wait')).toBe('2000');
  });

  it('retries a view that has not caught up yet, then returns it', async () => {
    const { fetch, sent } = scriptedFetch(
      problem(503, { type: 'view-not-caught-up' }, { 'retry-after': '0' }),
      json(200, { view: 'stream', key: 'k', region: 'local', data: {}, updatedAt: appended.recordedAt }),
    );
    expect(await createEventLogClient({ url: 'http://127.0.0.1:1', fetch, retry: fastRetry }).getView('stream', 'k', { atLeast: 't' })).toBeDefined();
    expect(sent).toHaveLength(2);
  });

  it('returns undefined for an absent view', async () => {
    const { fetch } = scriptedFetch(problem(404, { type: 'not-found' }));
    expect(await createEventLogClient({ url: 'http://127.0.0.1:1', fetch }).getView('stream', 'nope')).toBeUndefined();
  });

  it('throws, with the URL it called, when a 404 says there is no such route rather than no such stream', async () => {
    const { fetch } = scriptedFetch(problem(404, { type: 'no-route', detail: 'no route for GET /wrong/api/streams/Order/42' }));
    const client = createEventLogClient({ url: 'http://127.0.0.1:1/wrong', fetch });
    const error = await client.getStream({ aggregateType: 'Order', aggregateId: '42' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventLogProblemError);
    expect(error).toMatchObject({ status: 404, type: 'no-route', url: 'http://127.0.0.1:1/wrong/api/streams/Order/42' });
  });
});
