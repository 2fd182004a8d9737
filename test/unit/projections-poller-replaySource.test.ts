import { describe, expect, it } from 'vitest';
import type { EventEnvelope, ReplayPage, ReplaySource } from '../../src/core/index.ts';
import { silentLogger } from '../../src/core/index.ts';
import { LogFollower } from '../../src/consumers/follower.ts';
import { ConsumerRuntime } from '../../src/consumers/runtime.ts';
import { streamProjection } from '../../src/consumers/streamProjection.ts';
import { openMemoryProjectionStorage } from '../../src/stores/memory/memoryProjectionStorage.ts';
import { eventOf, fragileProjection } from './projectionsFixtures.ts';

// The poller over a source without global positions, as the Cosmos DB change feed is: opaque cursors,
// events without `position`, and pages that may hold only documents that are not events.

/** A change feed in memory: items in feed order, a stream head standing for any non-event document. */
const fakeChangeFeed = () => {
  const items: Array<EventEnvelope | 'stream head'> = [];
  const cursorsAsked: Array<string | undefined> = [];
  const source: ReplaySource = {
    readFrom: async (cursor, limit): Promise<ReplayPage> => {
      cursorsAsked.push(cursor);
      const from = cursor === undefined ? 0 : Number(/^feed:(\d+)$/.exec(cursor)![1]);
      const page = items.slice(from, from + limit);
      const to = from + page.length;
      return { events: page.filter((item) => item !== 'stream head'), cursor: `feed:${to}`, caughtUp: to === items.length };
    },
  };
  return { items, cursorsAsked, source };
};

const setup = (projections = [streamProjection], storage = openMemoryProjectionStorage()) => {
  const runtime = new ConsumerRuntime({
    projections,
    views: storage.views,
    checkpoints: storage.checkpoints,
    region: 'test',
    maxAttempts: 2,
    handlerBackoff: { baseDelayMs: 1, maxDelayMs: 2 },
    retireAfterMs: 0,
  });
  return { runtime, storage };
};

const pollerOver = (feed: ReturnType<typeof fakeChangeFeed>, { runtime, storage }: ReturnType<typeof setup>, batchSize = 2) =>
  new LogFollower({ runtime, source: feed.source, logger: silentLogger, batchSize, idleMs: 60_000 });

/** Steps one projection until it has nothing to do (bounded). */
const drain = async (poller: LogFollower, name: string): Promise<number> => {
  for (let steps = 1; steps <= 50; steps++) if (!(await poller.step(name))) return steps;
  throw new Error(`${name} still had work after 50 steps`);
};

const versionOf = async (runtime: ConsumerRuntime, streamId: string) => {
  const read = await runtime.readView('stream', streamId, { waitMs: 0 });
  return read.kind === 'found' ? read.document.data?.version : undefined;
};

const until = async (condition: () => Promise<boolean>, timeoutMs = 2_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('the local poller over a change feed (no global log)', () => {
  it('follows the feed into the views, past pages of stream heads, and keeps its cursor with the checkpoint', async () => {
    const feed = fakeChangeFeed();
    feed.items.push('stream head', 'stream head', eventOf('Order-a', 1, 'Placed'), 'stream head', eventOf('Order-a', 2, 'Shipped'), eventOf('Order-b', 1, 'Placed'));
    const app = setup();
    await drain(pollerOver(feed, app), 'stream');

    expect(await versionOf(app.runtime, 'Order-a')).toBe(2);
    expect(await versionOf(app.runtime, 'Order-b')).toBe(1);
    expect((await app.storage.checkpoints.get('stream'))?.state.cursor).toBe('feed:6');
    expect(await app.runtime.entry('stream')).toMatchObject({ status: 'running', position: 3, lag: null, eventsApplied: 3 });
  });

  it('resumes from its saved cursor after a restart instead of replaying the feed', async () => {
    const feed = fakeChangeFeed();
    feed.items.push(eventOf('Order-a', 1, 'Placed'), eventOf('Order-b', 1, 'Placed'), eventOf('Order-a', 2, 'Shipped'));
    const first = setup();
    await drain(pollerOver(feed, first), 'stream');

    feed.items.push(eventOf('Order-c', 1, 'Placed'));
    feed.cursorsAsked.length = 0;
    const restarted = setup([streamProjection], first.storage);
    await drain(pollerOver(feed, restarted), 'stream');

    expect(feed.cursorsAsked[0]).toBe('feed:3');
    expect(feed.cursorsAsked).not.toContain(undefined);
    expect(await versionOf(restarted.runtime, 'Order-c')).toBe(1);
    expect((await restarted.runtime.entry('stream')).eventsApplied).toBe(4);
  });

  it('keeps the cursor at the page of a poison event while halted, and applies from there after resume', async () => {
    const switches = { poisonous: true };
    const feed = fakeChangeFeed();
    feed.items.push(eventOf('Order-a', 1, 'Placed'), eventOf('Order-a', 2, 'Paid'));
    feed.items.push(eventOf('Order-b', 1, 'Placed', { poison: true }), eventOf('Order-a', 3, 'Shipped'));
    feed.items.push(eventOf('Order-c', 1, 'Placed'));
    const app = setup([fragileProjection(switches)]);
    const poller = pollerOver(feed, app);
    await drain(poller, 'fragile');

    const halted = await app.runtime.entry('fragile');
    expect(halted).toMatchObject({ status: 'halted', halt: { eventId: 'Order-b#1' }, eventsApplied: 2 });
    expect((await app.storage.checkpoints.get('fragile'))?.state.cursor).toBe('feed:2');
    expect(await poller.step('fragile')).toBe(false);

    switches.poisonous = false;
    await app.runtime.resume('fragile', { skip: false });
    await drain(poller, 'fragile');
    const counts = await Promise.all(['Order-a', 'Order-b', 'Order-c'].map(async (key) => {
      const read = await app.runtime.readView('fragile', key, { waitMs: 0 });
      return read.kind === 'found' ? read.document.data?.count : undefined;
    }));
    expect(counts).toEqual([3, 1, 1]);
    expect((await app.storage.checkpoints.get('fragile'))?.state.cursor).toBe('feed:5');
  });

  it('continues live from where a finished rebuild read to, even from a record saved before cursors were kept', async () => {
    const feed = fakeChangeFeed();
    feed.items.push(eventOf('Order-a', 1, 'Placed'), eventOf('Order-b', 1, 'Placed'), eventOf('Order-a', 2, 'Shipped'));
    const app = setup();
    const poller = pollerOver(feed, app, 10);
    await drain(poller, 'stream');
    const stored = (await app.storage.checkpoints.get('stream'))!;
    const { cursor: _dropped, ...withoutCursor } = stored.state;
    expect(await app.storage.checkpoints.put(withoutCursor, { etag: stored.etag })).toBeDefined();

    await app.runtime.requestRebuild('stream');
    feed.cursorsAsked.length = 0;
    await drain(poller, 'stream');

    const entry = await app.runtime.entry('stream');
    expect(entry).toMatchObject({ status: 'running', generation: 2, eventsApplied: 3 });
    expect(feed.cursorsAsked.filter((cursor) => cursor === undefined)).toHaveLength(1); // the rebuild's start only
    expect((await app.storage.checkpoints.get('stream'))?.state.cursor).toBe('feed:3');
    expect(await versionOf(app.runtime, 'Order-a')).toBe(2);
  });

  it('picks up new events at once when woken', async () => {
    const feed = fakeChangeFeed();
    const app = setup();
    const poller = pollerOver(feed, app);
    poller.start();
    try {
      await until(async () => feed.cursorsAsked.length > 0);
      feed.items.push(eventOf('Order-z', 1, 'Placed'));
      poller.wake();
      await until(async () => (await versionOf(app.runtime, 'Order-z')) === 1);
    } finally {
      await poller.stop();
    }
  });
});
