import { afterEach, describe, expect, it } from 'vitest';
import { parseServerSentEvents, type SseMessage } from '../../src/client/sse.ts';
import type { FeedEvent } from '../../src/core/index.ts';
import { sequencesByStream } from '../support/feed.ts';
import { postJson, startTestServer, type TestServer } from '../support/http.ts';

// The feed and consumer groups through HTTP on the embedded store: many writers, a Server-Sent Events
// client that is cut off and resumes with Last-Event-ID, a consumer group whose members share the work,
// and a member that stops mid-batch.

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const start = async (...args: Parameters<typeof startTestServer>): Promise<TestServer> => {
  const server = await startTestServer(...args);
  servers.push(server);
  return server;
};

interface Batch {
  batchId?: string;
  events: Array<FeedEvent & { deliveryCount: number }>;
}

interface FeedPage {
  events: FeedEvent[];
  cursor: string;
  caughtUp: boolean;
}
interface Problem {
  type: string;
  errors: Array<{ path: string; message: string }>;
}
/** A JSON answer's body, as the test expects it to be shaped. */
const bodyOf = async <T = Record<string, unknown>>(response: Response | Promise<Response>): Promise<T> => (await (await response).json()) as T;

const appendEvents = async (server: TestServer, streamId: string, data: Array<Record<string, unknown>>): Promise<void> => {
  const [type, id] = [streamId.slice(0, streamId.indexOf('-')), streamId.slice(streamId.indexOf('-') + 1)];
  const response = await postJson(server, `/api/streams/${type}/${id}/events`, { events: data.map((d) => ({ type: 'Loaded', data: d })) });
  expect(response.status).toBe(201);
};

/** The feed as SSE messages, from `lastEventId` when given, until `signal` aborts. */
const openSse = async (server: TestServer, query: string, signal: AbortSignal, lastEventId?: string): Promise<AsyncIterable<SseMessage>> => {
  const response = await server.request(`/api/feed${query}`, {
    headers: { accept: 'text/event-stream', ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }) },
    signal,
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  return parseServerSentEvents(response.body!);
};

const next = async (server: TestServer, group: string, member: string, query = ''): Promise<Batch> => {
  const response = await server.request(`/api/consumers/${group}/next?member=${member}${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Batch;
};

const contiguousFromOne = (sequences: readonly number[]): boolean => sequences.every((sequence, index) => sequence === index + 1);

describe('the feed and a consumer group under load', () => {
  it(
    'deliver 10,000 events from 16 writers: exactly once over SSE across a reconnect with Last-Event-ID, and to a 3-member group each acknowledged once, in stream order',
    { timeout: 180_000 },
    async () => {
      const server = await start();
      const WRITERS = 16;
      const APPENDS_PER_WRITER = 25;
      const EVENTS_PER_APPEND = 25;
      const STREAMS = 40;
      const TOTAL = WRITERS * APPENDS_PER_WRITER * EVENTS_PER_APPEND;
      expect(TOTAL).toBe(10_000);
      const deadline = Date.now() + 150_000;
      expect((await postJson(server, '/api/consumers/loaders', { leaseMs: 60_000 })).status).toBe(201);

      // Writers share streams, so concurrent appends to one stream race and the server retries them.
      const writers = Array.from({ length: WRITERS }, async (_, writer) => {
        for (let i = 0; i < APPENDS_PER_WRITER; i++)
          await appendEvents(
            server,
            `Load-s${(writer * 7 + i) % STREAMS}`,
            Array.from({ length: EVENTS_PER_APPEND }, (_, n) => ({ writer, n: i * EVENTS_PER_APPEND + n })),
          );
      });

      // The SSE client: cut off after 2,500 events, then back with the last id it saw.
      const sseSeen: FeedEvent[] = [];
      let reconnects = 0;
      const sse = (async () => {
        let lastEventId: string | undefined;
        while (sseSeen.length < TOTAL && Date.now() < deadline) {
          const connection = new AbortController();
          const messages = await openSse(server, '', connection.signal, lastEventId);
          try {
            for await (const message of messages) {
              sseSeen.push(JSON.parse(message.data) as FeedEvent);
              lastEventId = message.id;
              if (sseSeen.length === 2_500 && reconnects === 0) break;
              if (sseSeen.length >= TOTAL) break;
            }
          } finally {
            connection.abort();
          }
          if (sseSeen.length < TOTAL) reconnects++;
        }
      })();

      // Three members fetch, record and acknowledge batches until every event is acknowledged.
      const handled: FeedEvent[] = [];
      const ackedIds: string[] = [];
      // Which member holds which stream, by what members got: a stream handed to two members at once is a violation.
      const holder = new Map<string, string>();
      const sharedStreams: string[] = [];
      // Members join once a backlog exists (streams interleaved in it), then follow the rest as it is written.
      const backlog = async (): Promise<void> => {
        while (sseSeen.length < 2_500 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      };
      const members = ['m1', 'm2', 'm3'].map(async (member) => {
        await backlog();
        while (ackedIds.length < TOTAL && Date.now() < deadline) {
          const batch = await next(server, 'loaders', member, '&max=200&wait=500');
          if (batch.batchId === undefined) continue;
          for (const event of batch.events) {
            if ((holder.get(event.streamId) ?? member) !== member) sharedStreams.push(event.streamId);
            holder.set(event.streamId, member);
          }
          handled.push(...batch.events);
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 5)); // the member's work
          // Released before the ack is sent: the group keeps the streams until the ack is applied.
          for (const event of batch.events) holder.delete(event.streamId);
          const ack = await postJson(server, '/api/consumers/loaders/ack', { batchId: batch.batchId });
          expect(ack.status).toBe(200);
          expect(await ack.json()).toEqual({ acknowledged: batch.events.length });
          ackedIds.push(...batch.events.map((e) => e.id));
        }
      });

      await Promise.all([...writers, sse, ...members]);

      expect(reconnects).toBe(1);
      expect(sseSeen).toHaveLength(TOTAL);
      expect(new Set(sseSeen.map((e) => e.id)).size).toBe(TOTAL);
      // The embedded store has one order for every stream: positions only go up, across the reconnect too.
      expect(sseSeen.every((event, i) => i === 0 || event.position! > sseSeen[i - 1]!.position!)).toBe(true);
      const sseStreams = sequencesByStream(sseSeen);
      expect(sseStreams.size).toBe(STREAMS);
      for (const [streamId, sequences] of sseStreams) expect(contiguousFromOne(sequences), streamId).toBe(true);

      expect(ackedIds).toHaveLength(TOTAL);
      expect(new Set(ackedIds).size).toBe(TOTAL);
      expect(new Set(handled.map((e) => e.id))).toEqual(new Set(sseSeen.map((e) => e.id)));
      // A stream's events reach one member at a time: in the order members got them, each stream's sequences run 1, 2, 3...
      expect(sharedStreams).toEqual([]);
      for (const [streamId, sequences] of sequencesByStream(handled)) expect(contiguousFromOne(sequences), streamId).toBe(true);
      const status = await (await server.request('/api/consumers/loaders')).json();
      expect(status).toMatchObject({ acknowledged: TOTAL, pending: 0, inFlight: 0, parked: 0 });
    },
  );
});

describe('consumer groups', () => {
  it('a member that stops mid-batch: what it did not acknowledge goes to another member once the lease runs out, in order', async () => {
    const server = await start();
    expect((await postJson(server, '/api/consumers/mailers', { leaseMs: 600 })).status).toBe(201);
    await appendEvents(server, 'Mail-a', [{ n: 1 }, { n: 2 }, { n: 3 }]);
    await appendEvents(server, 'Mail-b', [{ n: 1 }, { n: 2 }]);

    const taken = await next(server, 'mailers', 'doomed', '&max=10');
    expect(taken.events.map((e) => `${e.streamId}/${e.sequence}`)).toEqual(['Mail-a/1', 'Mail-a/2', 'Mail-a/3', 'Mail-b/1', 'Mail-b/2']);
    const done = taken.events.slice(0, 2).map((e) => e.id);
    const partial = await postJson(server, '/api/consumers/mailers/ack', { batchId: taken.batchId, eventIds: done });
    expect(await partial.json()).toEqual({ acknowledged: 2 });
    // The member stops here. While its lease holds, no one else gets those streams, not even their new events.
    await appendEvents(server, 'Mail-a', [{ n: 4 }]);
    expect((await next(server, 'mailers', 'survivor')).events).toEqual([]);

    const leasedAt = Date.now();
    const redelivered = await next(server, 'mailers', 'survivor', '&max=10&wait=5000');
    expect(Date.now() - leasedAt).toBeGreaterThanOrEqual(300);
    expect(redelivered.events.map((e) => `${e.streamId}/${e.sequence}/${e.deliveryCount}`)).toEqual(['Mail-a/3/2', 'Mail-b/1/2', 'Mail-b/2/2', 'Mail-a/4/1']);

    const late = await postJson(server, '/api/consumers/mailers/ack', { batchId: taken.batchId });
    expect(late.status).toBe(409);
    expect((await bodyOf<Problem>(late)).type).toBe('lease-expired');
    expect(await (await postJson(server, '/api/consumers/mailers/ack', { batchId: redelivered.batchId })).json()).toEqual({ acknowledged: 4 });
    expect(await (await server.request('/api/consumers/mailers')).json()).toMatchObject({ acknowledged: 6, pending: 0 });
  });

  it('a nack with retry hands the events out again; a park sets them aside until they are replayed', async () => {
    const server = await start();
    await postJson(server, '/api/consumers/billing', {});
    await appendEvents(server, 'Bill-1', [{ n: 1 }, { n: 2 }]);

    const first = await next(server, 'billing', 'm');
    const retry = await postJson(server, '/api/consumers/billing/nack', { batchId: first.batchId, action: 'retry', reason: 'flaky' });
    expect(await retry.json()).toEqual({ returned: 2, parked: 0 });
    const again = await next(server, 'billing', 'm');
    expect(again.events.map((e) => e.deliveryCount)).toEqual([2, 2]);

    const park = await postJson(server, '/api/consumers/billing/nack', { batchId: again.batchId, action: 'park', reason: 'bad amount', eventIds: [again.events[0]!.id] });
    expect(await park.json()).toEqual({ returned: 0, parked: 1 });
    const parked = await bodyOf<{ parked: unknown[] }>(server.request('/api/consumers/billing/parked'));
    expect(parked.parked).toEqual([expect.objectContaining({ reason: 'bad amount', deliveries: 2, event: expect.objectContaining({ id: again.events[0]!.id }) })]);
    await postJson(server, '/api/consumers/billing/ack', { batchId: again.batchId });

    expect(await (await postJson(server, '/api/consumers/billing/parked/replay', {})).json()).toEqual({ replayed: 1 });
    const replayed = await next(server, 'billing', 'm');
    expect(replayed.events.map((e) => e.id)).toEqual([again.events[0]!.id]);
    expect((await bodyOf<{ parked: unknown[] }>(server.request('/api/consumers/billing/parked'))).parked).toEqual([]);
  });

  it('creating a group again with the same settings changes nothing; other settings are a 409; bad settings a 400 naming the field', async () => {
    const server = await start();
    expect((await postJson(server, '/api/consumers/g1', { filter: { category: 'Order' } })).status).toBe(201);
    expect((await postJson(server, '/api/consumers/g1', { filter: { category: 'Order' } })).status).toBe(200);
    const other = await postJson(server, '/api/consumers/g1', { filter: { category: 'Ticket' } });
    expect(other.status).toBe(409);
    expect((await bodyOf<Problem>(other)).type).toBe('group-exists');
    const bad = await postJson(server, '/api/consumers/g2', { leaseMs: 5 });
    expect(bad.status).toBe(400);
    expect((await bodyOf<Problem>(bad)).errors.map((e: { path: string }) => e.path)).toContain('body.leaseMs');
    expect((await server.request('/api/consumers/nope/next')).status).toBe(404);
  });
});

describe('GET /api/feed', () => {
  it('answers pages with a cursor to continue from, filtered by category or stream', async () => {
    const server = await start();
    await appendEvents(server, 'Order-1', [{ n: 1 }, { n: 2 }]);
    await appendEvents(server, 'Ticket-1', [{ n: 1 }]);
    await appendEvents(server, 'Order-2', [{ n: 1 }]);

    const first = await bodyOf<FeedPage>(server.request('/api/feed?category=Order&limit=2'));
    expect(first.events.map((e) => `${e.streamId}/${e.sequence}`)).toEqual(['Order-1/1', 'Order-1/2']);
    const second = await bodyOf<FeedPage>(server.request(`/api/feed?category=Order&limit=2&after=${first.cursor}`));
    expect(second.events.map((e) => `${e.streamId}/${e.sequence}`)).toEqual(['Order-2/1']);
    const stream = await bodyOf<FeedPage>(server.request('/api/feed?streamId=Ticket-1'));
    expect(stream.events.map((e) => e.streamId)).toEqual(['Ticket-1']);
    const rest = await bodyOf<FeedPage>(server.request(`/api/feed?category=Order&after=${second.cursor}`));
    expect(rest).toMatchObject({ events: [], caughtUp: true });
  });

  it('with wait, answers as soon as an event arrives, and an empty page when none does', async () => {
    const server = await start();
    const head = await bodyOf<FeedPage>(server.request('/api/feed?after=now'));
    let started = Date.now();
    const empty = await bodyOf<FeedPage>(server.request(`/api/feed?after=${head.cursor}&wait=300`));
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(empty.events).toEqual([]);

    started = Date.now();
    const waiting = server.request(`/api/feed?after=${empty.cursor}&wait=10000`);
    setTimeout(() => void appendEvents(server, 'Order-9', [{ n: 1 }]), 200);
    const page = await bodyOf<FeedPage>(waiting);
    expect(page.events.map((e) => e.streamId)).toEqual(['Order-9']);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('sends heartbeats on an idle SSE stream', async () => {
    const server = await start({}, { feedStream: { heartbeatMs: 100 } });
    const connection = new AbortController();
    const response = await server.request('/api/feed?after=now', { headers: { accept: 'text/event-stream' }, signal: connection.signal });
    let text = '';
    const decoder = new TextDecoder();
    for await (const chunk of response.body!) {
      text += decoder.decode(chunk, { stream: true });
      if (text.includes(': heartbeat')) break;
    }
    connection.abort();
    expect(text).toMatch(/^retry: \d+/);
    expect(text).toContain(': heartbeat\n\n');
  });

  it('refuses a cursor it did not issue, one of another region or filter, and two filters at once, with 400 naming the field', async () => {
    const server = await start({ REGION: 'westeurope' });
    await appendEvents(server, 'Order-1', [{ n: 1 }]);
    const page = await bodyOf<FeedPage>(server.request('/api/feed'));
    const other = await start({ REGION: 'northeurope' });
    const cases: Array<[TestServer, string, Record<string, string>, string]> = [
      [server, '/api/feed?after=12', {}, 'query.after'],
      [other, `/api/feed?after=${page.cursor}`, {}, 'query.after'],
      [server, '/api/feed?limit=0', {}, 'query.limit'],
      [server, '/api/feed?category=Order&streamId=Order-1', {}, 'query'],
      [server, '/api/feed?category=no-such', {}, 'query.category'],
      [server, '/api/feed', { accept: 'text/event-stream', 'last-event-id': 'garbage' }, 'header.Last-Event-ID'],
    ];
    for (const [target, path, headers, field] of cases) {
      const response = await target.request(path, { headers });
      expect(response.status, path).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const body = await bodyOf<Problem>(response);
      expect(body.errors.map((e: { path: string }) => e.path), path).toContain(field);
    }
  });
});
