import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newEventId, silentLogger, type StreamRef } from '../../src/core/index.ts';
import { LogFollower } from '../../src/consumers/follower.ts';
import { ConsumerRuntime } from '../../src/consumers/runtime.ts';
import { streamProjection } from '../../src/consumers/streamProjection.ts';
import { CosmosEventStore } from '../../src/stores/cosmos/cosmosEventStore.ts';
import { openCosmosProjectionStorage, type CosmosProjectionStorage } from '../../src/stores/cosmos/projectionStorage.ts';
import { initAccountDatabase, startCosmosAccount, type CosmosTestAccount, type ReceivedRequest } from '../support/cosmosAccount/index.ts';

// The request budget of the local host's log follower on Cosmos DB, per consumer step, counted where the
// requests arrive: the Cosmos DB test account (verified on the test account, not in Azure). A step for
// one event reads the consumer's record once, reads the change feed page, reads the documents it touches
// the first time (then the runtime's cache has them), writes them, and writes the record with the new
// cursor without reading it again; the step after it finds nothing new (304) and stops there.
//
// The change feed is read per feed range: the SDK's iterator asks one range after the other until one
// has changes (200) or every one answered 304 (Not Modified), so a page costs 1 to N requests and a look
// that finds nothing N, for N physical partitions (2 on this account). Those are counted apart.

let account: CosmosTestAccount;
let store: CosmosEventStore;
let storage: CosmosProjectionStorage;
let runtime: ConsumerRuntime;
let follower: LogFollower;

beforeAll(async () => {
  account = await startCosmosAccount();
  await initAccountDatabase(account);
  store = await CosmosEventStore.open({ connection: account.connection, database: 'eventlog', region: 'local' });
  storage = await openCosmosProjectionStorage({ connection: account.connection, database: 'eventlog', region: 'local' });
  runtime = new ConsumerRuntime({ projections: [streamProjection], views: storage.views, checkpoints: storage.checkpoints, region: 'local', maxAttempts: 1 });
  // Stepped by hand: no loop runs, so every request below belongs to the step that sent it.
  follower = new LogFollower({ runtime, source: store, logger: silentLogger });
  await append({ aggregateType: 'Order', aggregateId: 'warm-up' }, 0);
  await stepUntilIdle();
});
afterAll(async () => {
  await storage?.close();
  await store?.close();
  await account?.close();
});

/** An append in this process wakes the follower, as the app's store does (openApp). */
const append = async (stream: StreamRef, expectedVersion: number): Promise<void> => {
  await store.append({ stream, expectedVersion, events: [{ id: newEventId(), type: 'Placed', schemaVersion: 1, data: {}, metadata: {} }], region: 'local' });
  follower.wake();
};

const stepUntilIdle = async (): Promise<void> => {
  for (let step = 0; step < 10 && (await follower.step('stream')); step++);
};

/** What a request touched, in words: the consumer's record, a view document, a progress document, the change feed. */
const described = (request: ReceivedRequest): string => {
  const path = decodeURIComponent(request.path);
  const target = request.kind === 'changeFeed' ? 'change feed' : path.includes('$projection|') ? 'record' : path.includes('/_progress.') ? 'progress' : path.includes('/stream@') ? 'view' : path;
  return `${request.method} ${target} ${request.status}`;
};

const FEED_RANGES = 2;

/** What a step sent: the change feed requests (in order) and everything else (sorted). */
const sentBy = async (work: () => Promise<unknown>): Promise<{ feed: number[]; other: string[] }> => {
  const before = account.requests.length;
  await work();
  const sent = account.requests.slice(before);
  return {
    feed: sent.filter((r) => r.kind === 'changeFeed').map((r) => r.status!),
    other: sent.filter((r) => r.kind !== 'changeFeed').map(described).sort(),
  };
};
/** A page with news: ranges without news (304) until the one that has it (200), at most one request per range. */
const aPageWithNews = (feed: number[]): void => {
  expect(feed.at(-1)).toBe(200);
  expect(feed.slice(0, -1).every((status) => status === 304)).toBe(true);
  expect(feed.length).toBeLessThanOrEqual(FEED_RANGES);
};
const nothingNew = { feed: new Array<number>(FEED_RANGES).fill(304), other: ['GET record 200'] };

describe('the local follower on Cosmos DB, per consumer step', () => {
  it('one event of a new stream: the record read once, the page, the two documents read and written, the record written once', async () => {
    const stream = { aggregateType: 'Order', aggregateId: 'budget-1' };
    await append(stream, 0);
    const step = await sentBy(() => follower.step('stream'));
    aPageWithNews(step.feed);
    expect(step.other).toEqual([
      'GET progress 404',
      'GET record 200',
      'GET view 404',
      'POST /dbs/eventlog/colls/views/docs 201', // the view document and the progress document, each created
      'POST /dbs/eventlog/colls/views/docs 201',
      'PUT record 200', // the cursor, written against the etag the step read: no second read
    ]);
    // The step after finds nothing new in any feed range.
    expect(await sentBy(() => follower.step('stream'))).toEqual(nothingNew);
  });

  it('the next event of that stream: the documents come from the runtime\'s cache, so only writes follow the read of the page', async () => {
    await append({ aggregateType: 'Order', aggregateId: 'budget-1' }, 1);
    const step = await sentBy(() => follower.step('stream'));
    aPageWithNews(step.feed);
    expect(step.other).toEqual(['GET record 200', 'PUT progress 200', 'PUT record 200', 'PUT view 200']);
    expect((await runtime.readView('stream', 'Order-budget-1', { waitMs: 0 }))).toMatchObject({ kind: 'found', document: { data: { version: 2 } } });
  });

  it('a record another process changes during the step costs one refused write and a read, and its change is kept', async () => {
    await append({ aggregateType: 'Order', aggregateId: 'budget-1' }, 2);
    const elsewhere = await openCosmosProjectionStorage({ connection: account.connection, database: 'eventlog', region: 'other-process' });
    const marker = '2001-01-01T00:00:00.000Z';
    let changed = false;
    // While the step reads the page, another host of the region writes the record (as an admin route would).
    const stop = account.intercept(async (request) => {
      if (changed || request.kind !== 'changeFeed') return undefined;
      changed = true;
      const stored = (await elsewhere.checkpoints.get('stream'))!;
      await elsewhere.checkpoints.put({ ...stored.state, updatedAt: marker }, { etag: stored.etag });
      return undefined;
    });
    try {
      const sent = await sentBy(() => follower.step('stream'));
      // Ours: the step's read, the cursor refused (412) against that read's etag, a fresh read, the cursor written;
      // the other host's read and write in between.
      expect(sent.other.filter((line) => line.includes('record'))).toEqual(['GET record 200', 'GET record 200', 'GET record 200', 'PUT record 200', 'PUT record 200', 'PUT record 412']);
      const record = (await elsewhere.checkpoints.get('stream'))!.state;
      expect(record.updatedAt).toBe(marker);
      // The cursor the step saved is the one after this event: the next step reads nothing new.
      expect(await sentBy(() => follower.step('stream'))).toEqual(nothingNew);
    } finally {
      stop();
      await elsewhere.close();
    }
  });
});

describe('catching up on Cosmos DB', () => {
  it('writes a batch of many documents as bulk executions, and the views are right', async () => {
    await initAccountDatabase(account, 'catchup');
    const log = await CosmosEventStore.open({ connection: account.connection, database: 'catchup', region: 'local' });
    // A low threshold stands in for the 500 writes of a real catch-up batch (DEFAULT_BULK_FROM).
    const views = await openCosmosProjectionStorage({ connection: account.connection, database: 'catchup', region: 'local', bulkFrom: 4 });
    try {
      const streams = Array.from({ length: 12 }, (_, i) => ({ aggregateType: 'Order', aggregateId: `catch-${i}` }));
      for (const stream of streams)
        await log.append({ stream, expectedVersion: 0, events: [0, 1].map(() => ({ id: newEventId(), type: 'Placed', schemaVersion: 1, data: {}, metadata: {} })), region: 'local' });
      const catchingUp = new ConsumerRuntime({ projections: [streamProjection], views: views.views, checkpoints: views.checkpoints, region: 'local', maxAttempts: 1 });
      const reader = new LogFollower({ runtime: catchingUp, source: log, logger: silentLogger });
      const before = account.requests.length;
      for (let step = 0; step < 10 && (await reader.step('stream')); step++);
      const sent = account.requests.slice(before);
      // A change feed page holds one feed range's changes (about half the streams): its view and its progress documents go as bulk, no point writes.
      expect(sent.filter((r) => r.kind === 'bulk').length).toBeGreaterThanOrEqual(2);
      // The only point writes are of the consumer's record (created, then its cursor per page).
      expect(sent.filter((r) => r.kind === 'document' && r.method !== 'GET').every((r) => decodeURIComponent(r.path).includes('$projection|') || (r.body as { id?: string }).id === '$projection|stream')).toBe(true);
      for (const stream of streams)
        expect(await catchingUp.readView('stream', `Order-${stream.aggregateId}`, { waitMs: 0 })).toMatchObject({ kind: 'found', document: { data: { version: 2 } } });
    } finally {
      await views.close();
      await log.close();
    }
  });
});
