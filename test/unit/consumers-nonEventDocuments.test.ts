import type { Container } from '@azure/cosmos';
import { describe, expect, it } from 'vitest';
import { handleChangeFeedBatch } from '../../src/consumers/changeFeed.ts';
import { LogFollower } from '../../src/consumers/follower.ts';
import { ConsumerRuntime } from '../../src/consumers/runtime.ts';
import { streamProjection } from '../../src/consumers/streamProjection.ts';
import { eventsFromDocuments, silentLogger, type EventEnvelope } from '../../src/core/index.ts';
import { ChangeFeedReader } from '../../src/stores/cosmos/changeFeedReplay.ts';
import { openMemoryProjectionStorage } from '../../src/stores/memory/memoryProjectionStorage.ts';
import { eventOf, fragileProjection } from './projectionsFixtures.ts';

// One rule for documents of the events container that are not events, in both hosts: the product's
// own (stream heads, marked with `kind`) are passed over silently; anything else is passed over and
// counted in each consumer's record, which GET /api/projections shows; neither holds a consumer back.

const streamHead = { id: '$head', kind: 'streamHead', streamId: 'Order-1', aggregateType: 'Order', aggregateId: '1', sequence: 0, version: 2 };
const note = { id: 'note-1', streamId: 'Misc-1', note: 'written by hand, not an event' };
const withSystemFields = (event: EventEnvelope, lsn: number) => ({ ...event, _rid: `rid${lsn}`, _etag: `"${lsn}"`, _ts: 1_738_000_000, _lsn: lsn });
const documents = [
  withSystemFields(eventOf('Order-1', 1, 'Placed'), 1),
  note,
  streamHead,
  withSystemFields(eventOf('Order-1', 2, 'Shipped'), 3),
];

const runtimeOf = () => {
  const storage = openMemoryProjectionStorage();
  const runtime = new ConsumerRuntime({
    projections: [streamProjection, fragileProjection({ poisonous: false })],
    views: storage.views,
    checkpoints: storage.checkpoints,
    region: 'test',
    maxAttempts: 1,
  });
  return runtime;
};

/** What a reader of the view sees once the write is applied: found at once, never "not caught up". */
const readWithToken = (runtime: ConsumerRuntime) => runtime.readView('stream', 'Order-1', { atLeast: { streamId: 'Order-1', sequence: 2 }, waitMs: 0 });

/** A container whose change feed serves these documents once, then answers "not modified". */
const containerServing = (feed: readonly unknown[]): Container =>
  ({
    items: {
      getChangeFeedIterator: (options: { changeFeedStartFrom: { continuation?: string } }) => {
        // As the SDK's iterator: from a continuation it serves what came after it, and it moves on once read.
        let served = JSON.stringify(options.changeFeedStartFrom).includes('"continuationToken"');
        return {
          readNext: async () => {
            if (served) return { result: [], continuationToken: 'after-all', statusCode: 304 };
            served = true;
            return { result: feed, continuationToken: 'after-all', statusCode: 200 };
          },
        };
      },
    },
  }) as unknown as Container;

describe('documents of the events container that are not events', () => {
  it('are told apart by one rule: marked ones passed over, others counted', () => {
    const { events, ignored } = eventsFromDocuments(documents);
    expect(events.map((e) => `${e.streamId}#${e.sequence}`)).toEqual(['Order-1#1', 'Order-1#2']);
    expect(ignored).toBe(1);
    expect(events[0]).not.toHaveProperty('_lsn');
  });

  it('in Azure: the change-feed handler passes them over, counts them per consumer, and views answer atLeast', async () => {
    const runtime = runtimeOf();
    for (const name of runtime.names) await handleChangeFeedBatch(runtime, name, documents, silentLogger);
    expect(await readWithToken(runtime)).toMatchObject({ kind: 'found', document: { data: { version: 2 } } });
    const entries = await runtime.entries();
    expect(entries.map((e) => [e.name, e.status, e.ignoredDocuments, e.eventsApplied])).toEqual([
      ['stream', 'running', 1, 2],
      ['fragile', 'running', 1, 2],
    ]);
  });

  it('locally: the follower over the Cosmos DB change feed passes them over and counts them the same way', async () => {
    const runtime = runtimeOf();
    const container = containerServing(documents);
    const feed = new ChangeFeedReader(container);
    const follower = new LogFollower({ runtime, source: { readFrom: (cursor, limit) => feed.read(cursor, limit) }, logger: silentLogger });
    for (const name of runtime.names) for (let step = 0; step < 5 && (await follower.step(name)); step++);
    expect(await readWithToken(runtime)).toMatchObject({ kind: 'found', document: { data: { version: 2 } } });
    const entries = await runtime.entries();
    expect(entries.map((e) => [e.name, e.status, e.ignoredDocuments, e.eventsApplied])).toEqual([
      ['stream', 'running', 1, 2],
      ['fragile', 'running', 1, 2],
    ]);
  });
});
