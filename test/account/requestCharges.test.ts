import { ChangeFeedStartFrom } from '@azure/cosmos';
import { beforeAll, describe, expect, it } from 'vitest';
import { newEventId } from '../../src/core/index.ts';
import { CosmosEventStore } from '../../src/stores/cosmos/cosmosEventStore.ts';
import { initAccountDatabase, pointReadCharge, queryCharge, writeCharge } from '../support/cosmosAccount/index.ts';
import { unique, useAccount } from './accountFixture.ts';

// x-ms-request-charge from the documented request unit model (wire/requestCharge.ts): a point read of
// 1 KB costs 1 RU and of 100 KB 10 RU, a write five times that, a query 2 RU plus its results at the
// point-read rate, a change feed read with nothing new 1 RU; and the product's meter adds them up.

const fixture = useAccount();

beforeAll(async () => {
  const { database } = await fixture.account.client().databases.createIfNotExists({ id: 'charges' });
  await database.containers.createIfNotExists({ id: 'items', partitionKey: { paths: ['/pk'] } });
});

const items = () => fixture.account.client().database('charges').container('items');
/** An item whose stored form (system properties included) is about `kb` KB. */
const itemOfSize = (kb: number, pk: string) => ({ id: unique('i'), pk, padding: 'x'.repeat(Math.max(0, kb * 1024 - 230)) });

describe('request charges', () => {
  it('a point read costs 1 RU at 1 KB and 10 RU at 100 KB', async () => {
    const pk = unique('p');
    for (const [kb, expected] of [[1, 1], [100, 10]] as const) {
      const item = itemOfSize(kb, pk);
      await items().items.create(item);
      const read = await items().item(item.id, pk).read();
      expect(read.requestCharge).toBeCloseTo(expected, 0);
      expect(read.requestCharge).toBe(pointReadCharge(read.resource));
    }
  });

  it('a write costs 5 RU at 1 KB and 50 RU at 100 KB', async () => {
    const pk = unique('p');
    for (const [kb, expected] of [[1, 5], [100, 50]] as const) {
      const created = await items().items.create(itemOfSize(kb, pk));
      expect(created.requestCharge).toBeCloseTo(expected, -1);
      expect(created.requestCharge).toBe(writeCharge(created.resource));
    }
  });

  it('a query costs 2 RU plus what it returns; a change feed read with nothing new costs 1 RU', async () => {
    const pk = unique('p');
    for (let i = 0; i < 3; i++) await items().items.create({ id: `q${i}`, pk });
    const response = await items().items.query({ query: 'SELECT * FROM c' }, { partitionKey: pk }).fetchAll();
    expect(response.resources).toHaveLength(3);
    expect(response.requestCharge).toBe(queryCharge(response.resources));
    expect((await items().items.query({ query: 'SELECT * FROM c WHERE c.id = "none"' }, { partitionKey: pk }).fetchAll()).requestCharge).toBe(2);
    const feed = items().items.getChangeFeedIterator({ changeFeedStartFrom: ChangeFeedStartFrom.Now(pk) });
    expect((await feed.readNext()).requestCharge).toBe(1);
  });

  it('the product\'s request meter counts what an append was charged: one batch, the head and the event written', async () => {
    await initAccountDatabase(fixture.account, 'metered');
    const store = await CosmosEventStore.open({ connection: fixture.account.connection, database: 'metered', region: 'local' });
    try {
      // The first append of a store reads the account (its write regions) and the container's metadata.
      await store.append({ stream: { aggregateType: 'Order', aggregateId: unique('warm') }, expectedVersion: 'no_stream', events: [{ id: newEventId(), type: 'Placed', schemaVersion: 1, data: {}, metadata: {} }], region: 'test' });
      const stream = { aggregateType: 'Order', aggregateId: unique('o') };
      const before = store.meter.snapshot();
      await store.append({ stream, expectedVersion: 'no_stream', events: [{ id: newEventId(), type: 'Placed', schemaVersion: 1, data: {}, metadata: {} }], region: 'test' });
      const spent = store.meter.since(before);
      const events = fixture.account.client().database('metered').container('events');
      const { resources: stored } = await events.items.query({ query: 'SELECT * FROM c' }, { partitionKey: `Order-${stream.aggregateId}` }).fetchAll();
      expect(stored).toHaveLength(2);
      expect(spent).toMatchObject({ requests: 1, byKind: { data: 1 } });
      expect(spent.requestCharge).toBeCloseTo(stored.reduce((total, document) => total + writeCharge(document), 0), 2);
    } finally {
      await store.close();
    }
  });
});
