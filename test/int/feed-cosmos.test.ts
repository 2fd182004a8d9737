import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventLogClient } from '../../src/client/index.ts';
import { parseServerSentEvents } from '../../src/client/sse.ts';
import type { FeedEvent } from '../../src/core/index.ts';
import { sequencesByStream } from '../support/feed.ts';
import { startTestServer, type TestServer } from '../support/http.ts';

// The feed and a consumer group on Cosmos DB (the test account in test/support/cosmosAccount): the
// change feed of this region's copy, ordered per stream only, resumed with Last-Event-ID.

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ EVENT_STORE: 'cosmos', REGION: 'westeurope' });
});
afterAll(async () => {
  await server?.close();
});

const STREAMS = 8;
const APPENDS_PER_STREAM = 10;
const EVENTS_PER_APPEND = 5;
const TOTAL = STREAMS * APPENDS_PER_STREAM * EVENTS_PER_APPEND;

describe('the feed on Cosmos DB', () => {
  it(
    'delivers every event once over SSE across a reconnect with Last-Event-ID, and to a 2-member group each acknowledged once, each stream in order',
    { timeout: 120_000 },
    async () => {
      const client = createEventLogClient({ url: server.url });
      const group = client.consumer('cosmos-readers', { member: 'a' });
      await group.create({ filter: { category: 'Cart' } });
      // Writers, one per stream, racing each other.
      const writers = Array.from({ length: STREAMS }, async (_, s) => {
        for (let i = 0; i < APPENDS_PER_STREAM; i++)
          await client.append({ aggregateType: 'Cart', aggregateId: `c${s}` }, Array.from({ length: EVENTS_PER_APPEND }, (_, n) => ({ type: 'Added', data: { n } })));
      });

      // The SSE client, through the raw route: cut off after a third of the events, back with the last id.
      const seen: FeedEvent[] = [];
      const deadline = Date.now() + 100_000;
      let lastEventId: string | undefined;
      let connections = 0;
      while (seen.length < TOTAL && Date.now() < deadline) {
        const connection = new AbortController();
        connections++;
        const response = await server.request('/api/feed?category=Cart', {
          headers: { accept: 'text/event-stream', ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }) },
          signal: connection.signal,
        });
        expect(response.status).toBe(200);
        try {
          for await (const message of parseServerSentEvents(response.body!)) {
            seen.push(JSON.parse(message.data) as FeedEvent);
            lastEventId = message.id;
            if ((connections === 1 && seen.length === Math.floor(TOTAL / 3)) || seen.length >= TOTAL) break;
          }
        } finally {
          connection.abort();
        }
      }

      const acked: FeedEvent[] = [];
      const members = ['a', 'b'].map(async (member) => {
        const consumer = client.consumer('cosmos-readers', { member });
        while (acked.length < TOTAL && Date.now() < deadline) {
          const batch = await consumer.next({ max: 50, waitMs: 1_000 });
          if (batch.batchId === undefined) continue;
          acked.push(...batch.events);
          expect(await consumer.ack(batch)).toEqual({ acknowledged: batch.events.length });
        }
      });
      await Promise.all([...writers, ...members]);

      expect(connections).toBe(2);
      expect(seen).toHaveLength(TOTAL);
      expect(new Set(seen.map((e) => e.id)).size).toBe(TOTAL);
      expect(seen.every((e) => e.position === undefined)).toBe(true); // no global order on Cosmos DB
      for (const [streamId, sequences] of sequencesByStream(seen)) expect(sequences, streamId).toEqual(Array.from({ length: APPENDS_PER_STREAM * EVENTS_PER_APPEND }, (_, i) => i + 1));

      expect(acked).toHaveLength(TOTAL);
      expect(new Set(acked.map((e) => e.id)).size).toBe(TOTAL);
      for (const [streamId, sequences] of sequencesByStream(acked)) expect(sequences, streamId).toEqual(Array.from({ length: APPENDS_PER_STREAM * EVENTS_PER_APPEND }, (_, i) => i + 1));
      expect(await group.status()).toMatchObject({ acknowledged: TOTAL, pending: 0 });
    },
  );

  it('resumes behind an event in the middle of a page, even when another feed range has new events to give first', { timeout: 60_000 }, async () => {
    const client = createEventLogClient({ url: server.url });
    /** An SSE connection to a category's feed (from now, or after `lastEventId`) and a reader of its next messages. */
    const connect = async (category: string, lastEventId?: string) => {
      const connection = new AbortController();
      const response = await server.request(`/api/feed?category=${category}&after=now`, {
        headers: { accept: 'text/event-stream', ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }) },
        signal: connection.signal,
      });
      const messages = parseServerSentEvents(response.body!)[Symbol.asyncIterator]();
      return {
        take: async (count: number) => {
          const taken: Array<{ id: string; ref: string }> = [];
          while (taken.length < count) {
            const { value } = await messages.next();
            const event = JSON.parse(value!.data) as FeedEvent;
            taken.push({ id: value!.id!, ref: `${event.streamId}/${event.sequence}` });
          }
          return taken;
        },
        close: () => connection.abort(),
      };
    };
    // Several categories, so that in some the first stream's partition is not the first feed range.
    for (const category of ['MidA', 'MidB', 'MidC', 'MidD']) {
      // Caught up at the tail of the feed, the follower reads the three events as one page.
      const live = await connect(category);
      await client.append({ aggregateType: category, aggregateId: 'first' }, Array.from({ length: 3 }, () => ({ type: 'Added', data: {} })));
      const [firstEvent] = await live.take(3);
      live.close();
      for (let s = 0; s < 10; s++) await client.append({ aggregateType: category, aggregateId: `s${s}` }, [{ type: 'Added', data: {} }]);
      const resumed = await connect(category, firstEvent!.id);
      const rest = await resumed.take(12);
      resumed.close();
      expect(rest.map((m) => m.ref).sort(), category).toEqual([`${category}-first/2`, `${category}-first/3`, ...Array.from({ length: 10 }, (_, s) => `${category}-s${s}/1`)].sort());
    }
  });

  it('refuses a cursor of another filter: a stream cursor does not serve the category', async () => {
    const client = createEventLogClient({ url: server.url });
    await client.append({ aggregateType: 'Cart', aggregateId: 'scoped' }, [{ type: 'Added', data: {} }]);
    const page = (await (await server.request('/api/feed?streamId=Cart-scoped')).json()) as { events: FeedEvent[]; cursor: string };
    expect(page.events.map((e) => e.streamId)).toEqual(['Cart-scoped']);
    const response = await server.request(`/api/feed?category=Cart&after=${page.cursor}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: Array<{ path: string }> }).errors.map((e) => e.path)).toEqual(['query.after']);
  });
});
