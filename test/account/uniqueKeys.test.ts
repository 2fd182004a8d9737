import { describe, expect, it } from 'vitest';
import { containerLayout, eventsContainer } from '../../src/stores/cosmos/containers.ts';
import { initAccountDatabase } from '../support/cosmosAccount/index.ts';
import { rejection, unique, useAccount } from './accountFixture.ts';

// Unique keys through @azure/cosmos, on the product's real `events` container (created by the
// product's initCosmos with containerLayout, unchanged): one composite key
// ["/aggregateType", "/aggregateId", "/sequence"], enforced as a tuple within a logical partition.

const fixture = useAccount();
const database = 'uniquekeys';

const event = (streamId: string, aggregateId: string, sequence: number, id = unique('e')) => ({
  id,
  streamId,
  aggregateType: 'Order',
  aggregateId,
  sequence,
});

/** The product's events container and a stream of its own: the event at a sequence of that stream. */
const freshStream = () => {
  const events = fixture.account.client().database(database).container('events');
  const aggregateId = unique('o');
  const streamId = `Order-${aggregateId}`;
  return { events, aggregateId, streamId, at: (sequence: number) => event(streamId, aggregateId, sequence) };
};

describe('composite unique keys', () => {
  it('the product layout is accepted as it is, its unique key read back as one composite key', async () => {
    await initAccountDatabase(fixture.account, database);
    const client = fixture.account.client();
    const { resource } = await client.database(database).container('events').read();
    expect(resource?.uniqueKeyPolicy).toEqual(eventsContainer.uniqueKeyPolicy);
    expect(containerLayout.events).toContain(eventsContainer);
  });

  it('a second item with the same tuple in the same partition is refused with 409, nothing stored', async () => {
    const { events, streamId, at } = freshStream();
    await events.items.create(at(1));
    const duplicate = at(1);
    const error = await rejection(events.items.create(duplicate));
    expect(error?.code).toBe(409);
    const { resources } = await events.items.query({ query: 'SELECT VALUE c.id FROM c' }, { partitionKey: streamId }).fetchAll();
    expect(resources).not.toContain(duplicate.id);
  });

  it('items sharing some of the paths are fine: only the whole tuple must be unique', async () => {
    const { events, aggregateId, streamId, at } = freshStream();
    await events.items.create(at(1));
    await events.items.create(at(2)); // same type and id, another sequence
    await events.items.create(event(streamId, `${aggregateId}-other`, 1)); // same type and sequence, another aggregate id
    const { resources } = await events.items.query({ query: 'SELECT VALUE c.sequence FROM c' }, { partitionKey: streamId }).fetchAll();
    expect(resources.sort()).toEqual([1, 1, 2]);
  });

  it('the same tuple in another logical partition is fine: the key is scoped to the partition', async () => {
    const { events, aggregateId, at } = freshStream();
    await events.items.create(at(1));
    await expect(events.items.create(event(`Elsewhere-${aggregateId}`, aggregateId, 1))).resolves.toMatchObject({ statusCode: 201 });
  });

  it('a replace that would take another item\'s tuple is refused too', async () => {
    const { events, streamId, at } = freshStream();
    await events.items.create(at(1));
    const second = at(2);
    await events.items.create(second);
    const error = await rejection(events.item(second.id, streamId).replace({ ...second, sequence: 1 }));
    expect(error?.code).toBe(409);
  });

  it('a missing value counts as a value: only one item of a partition may lack it', async () => {
    const events = fixture.account.client().database(database).container('events');
    const streamId = unique('Order');
    await events.items.create({ id: unique('e'), streamId });
    const error = await rejection(events.items.create({ id: unique('e'), streamId }));
    expect(error?.code).toBe(409);
  });
});
