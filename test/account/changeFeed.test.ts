import { ChangeFeedStartFrom, StatusCodes, type ChangeFeedIteratorOptions, type ChangeFeedPullModelIterator, type Container } from '@azure/cosmos';
import { beforeAll, describe, expect, it } from 'vitest';
import { newEventId, type PreparedEvent } from '../../src/core/index.ts';
import { CosmosEventStore } from '../../src/stores/cosmos/cosmosEventStore.ts';
import { initAccountDatabase } from '../support/cosmosAccount/index.ts';
import { unique, useAccount } from './accountFixture.ts';

// The change feed in latest version mode through the SDK's pull model
// (container.items.getChangeFeedIterator): LSNs, continuations, 304, the start options, feed ranges
// (two physical partitions), transactions kept whole, split continuations, and the product's own
// change-feed replay as a follower keeping a continuation.

let now = Date.UTC(2030, 0, 1, 12, 0, 0);
/** The account's clock: `_ts` follows it, so a test can put writes at chosen times. */
const fixture = useAccount({ clock: () => now });
const database = 'feeds';
let container: Container;

beforeAll(async () => {
  const client = fixture.account.client();
  const { database: db } = await client.databases.createIfNotExists({ id: database });
  ({ container } = await db.containers.createIfNotExists({ id: 'items', partitionKey: { paths: ['/pk'] } }));
});

type Doc = { id: string; pk: string; value?: number; _lsn?: number; _ts?: number };

/** Reads pages until the feed answers 304 (bounded). */
const drain = async (iterator: ChangeFeedPullModelIterator<Doc>, limit = 50): Promise<{ items: Doc[]; continuation: string }> => {
  const items: Doc[] = [];
  for (let page = 0; page < limit; page++) {
    const response = await iterator.readNext();
    if (response.statusCode === StatusCodes.NotModified) return { items, continuation: response.continuationToken };
    items.push(...response.result);
  }
  throw new Error('the change feed never reported NotModified');
};

const feedOf = (pk: string, start: ChangeFeedIteratorOptions['changeFeedStartFrom'] = ChangeFeedStartFrom.Beginning(pk)) => container.items.getChangeFeedIterator<Doc>({ changeFeedStartFrom: start });
const idsOf = (items: Doc[]) => items.map((item) => item.id);

describe('the change feed (latest version)', () => {
  it('every write gets a higher LSN in its partition, and its time as _ts', async () => {
    const pk = unique('p');
    const lsns: number[] = [];
    for (const id of ['a', 'b', 'c']) lsns.push((await container.items.create<Doc>({ id, pk })).resource!._lsn!);
    lsns.push((await container.item('a', pk).replace<Doc>({ id: 'a', pk, value: 1 })).resource!._lsn!);
    expect(lsns).toEqual([...lsns].sort((x, y) => x - y));
    expect(new Set(lsns).size).toBe(4);
    expect((await container.item('a', pk).read<Doc>()).resource?._ts).toBe(Math.floor(now / 1000));
  });

  it('from the beginning: each item once, in its latest version, in modification order', async () => {
    const pk = unique('p');
    await container.items.create({ id: 'a', pk, value: 1 });
    await container.items.create({ id: 'b', pk, value: 1 });
    await container.item('a', pk).replace({ id: 'a', pk, value: 2 });
    const { items } = await drain(feedOf(pk));
    expect(items.map((item) => [item.id, item.value])).toEqual([['b', 1], ['a', 2]]);
  });

  it('with a continuation: only what changed since, then 304 Not Modified', async () => {
    const pk = unique('p');
    await container.items.create({ id: 'a', pk });
    await container.items.create({ id: 'b', pk });
    const { continuation } = await drain(feedOf(pk));
    await container.items.create({ id: 'c', pk });
    await container.item('a', pk).replace({ id: 'a', pk, value: 3 });
    const next = feedOf(pk, ChangeFeedStartFrom.Continuation(continuation));
    const page = await next.readNext();
    expect(page.statusCode).toBe(200);
    expect(idsOf(page.result)).toEqual(['c', 'a']);
    expect((await next.readNext()).statusCode).toBe(StatusCodes.NotModified);
  });

  it('from now: nothing that was there before, then what comes after', async () => {
    const pk = unique('p');
    await container.items.create({ id: 'before', pk });
    const iterator = feedOf(pk, ChangeFeedStartFrom.Now(pk));
    expect((await iterator.readNext()).statusCode).toBe(StatusCodes.NotModified);
    await container.items.create({ id: 'after', pk });
    expect(idsOf((await drain(iterator)).items)).toEqual(['after']);
  });

  it('from a point in time: the items changed since then', async () => {
    const pk = unique('p');
    await container.items.create({ id: 'old', pk });
    now += 60_000;
    const since = new Date(now - 30_000);
    await container.items.create({ id: 'new', pk });
    expect(idsOf((await drain(feedOf(pk, ChangeFeedStartFrom.Time(since, pk)))).items)).toEqual(['new']);
  });

  it('has one feed range per physical partition, each read on its own, together covering every item once', async () => {
    const ranges = await container.getFeedRanges();
    expect(ranges.length).toBe(2);
    const pks = Array.from({ length: 12 }, () => unique('spread'));
    for (const pk of pks) await container.items.create({ id: 'x', pk });
    const perRange = await Promise.all(ranges.map(async (range) => (await drain(feedOf('', ChangeFeedStartFrom.Beginning(range)))).items.filter((item) => pks.includes(item.pk))));
    expect(perRange.every((items) => items.length > 0)).toBe(true);
    expect(perRange.flat().map((item) => item.pk).sort()).toEqual([...pks].sort());
  });

  it('keeps a transaction whole: a batch\'s items come in one page even past the page size', async () => {
    const pk = unique('p');
    await container.items.batch(Array.from({ length: 5 }, (_, i) => ({ operationType: 'Create' as const, resourceBody: { id: `b${i}`, pk } })), pk);
    await container.items.create({ id: 'single', pk });
    const iterator = container.items.getChangeFeedIterator<Doc>({ changeFeedStartFrom: ChangeFeedStartFrom.Beginning(pk), maxItemCount: 2 });
    expect(idsOf((await iterator.readNext()).result)).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
    expect(idsOf((await iterator.readNext()).result)).toEqual(['single']);
  });

  it('a continuation survives a split: the children serve what changed after it, nothing twice', async () => {
    const { resource: definition } = await fixture.account.client().database(database).containers.createIfNotExists({ id: 'splitting', partitionKey: { paths: ['/pk'] } });
    const splitting = fixture.account.client().database(database).container(definition!.id);
    const pks = Array.from({ length: 10 }, () => unique('s'));
    for (const pk of pks) await splitting.items.create({ id: 'first', pk });
    const whole = () => splitting.items.getChangeFeedIterator<Doc>({ changeFeedStartFrom: ChangeFeedStartFrom.Beginning() });
    const { items: before, continuation } = await drain(whole());
    expect(before).toHaveLength(10);
    const children = fixture.account.splitPartition(database, 'splitting', '0');
    expect(children).toHaveLength(2);
    for (const pk of pks) await splitting.items.create({ id: 'second', pk });
    const after = await drain(splitting.items.getChangeFeedIterator<Doc>({ changeFeedStartFrom: ChangeFeedStartFrom.Continuation(continuation) }));
    expect(after.items.map((item) => item.id)).toEqual(Array(10).fill('second'));
    expect(fixture.account.requests.some((r) => r.kind === 'changeFeed' && r.status === 410)).toBe(true);
    expect((await splitting.getFeedRanges()).length).toBe(3);
  });
});

describe('the product\'s change-feed replay as a follower that keeps a continuation', () => {
  const event = (type: string): PreparedEvent => ({ id: newEventId(), type, schemaVersion: 1, data: {}, metadata: {} });

  it('reads every event, then only later ones from its cursor, and reports caught up in between', async () => {
    await initAccountDatabase(fixture.account, 'follower');
    const store = await CosmosEventStore.open({ connection: fixture.account.connection, database: 'follower', region: 'local' });
    try {
      const stream = { aggregateType: 'Order', aggregateId: unique('o') };
      await store.append({ stream, expectedVersion: 'no_stream', events: [event('Placed'), event('Paid')], region: 'test' });
      const readAll = async (cursor: string | undefined) => {
        const types: string[] = [];
        for (let page = 0; page < 20; page++) {
          const read = await store.readFrom(cursor, 100);
          types.push(...read.events.map((e) => e.type));
          cursor = read.cursor;
          if (read.caughtUp) return { types, cursor };
        }
        throw new Error('never caught up');
      };
      const first = await readAll(undefined);
      expect(first.types).toEqual(['Placed', 'Paid']);
      await store.append({ stream, expectedVersion: 2, events: [event('Shipped')], region: 'test' });
      expect((await readAll(first.cursor)).types).toEqual(['Shipped']);
    } finally {
      await store.close();
    }
  });
});
