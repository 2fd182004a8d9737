import type { OperationInput, PluginConfig } from '@azure/cosmos';
import { beforeAll, describe, expect, it } from 'vitest';
import { rejection, unique, useAccount } from './accountFixture.ts';

// Transactional batches through @azure/cosmos: all or nothing, the failing operation's own status and
// 424 for the others in a 207 answer, Patch with a filter predicate and If-Match inside a batch, and
// the 100-operation limit.

const fixture = useAccount();
const database = 'batches';

beforeAll(async () => {
  const client = fixture.account.client();
  const { database: db } = await client.databases.createIfNotExists({ id: database });
  await db.containers.createIfNotExists({ id: 'items', partitionKey: { paths: ['/pk'] } });
});

const items = () => fixture.account.client().database(database).container('items');
const statuses = (result: Array<{ statusCode: number }> | undefined) => (result ?? []).map((r) => r.statusCode);
const idsIn = async (pk: string) =>
  (await items().items.query<string>({ query: 'SELECT VALUE c.id FROM c' }, { partitionKey: pk }).fetchAll()).resources.sort();

describe('transactional batches', () => {
  it('commit every operation together: 200, one result per operation', async () => {
    const pk = unique('p');
    const response = await items().items.batch(
      [
        { operationType: 'Create', resourceBody: { id: 'a', pk } },
        { operationType: 'Upsert', resourceBody: { id: 'b', pk } },
        { operationType: 'Read', id: 'a' },
      ],
      pk,
    );
    expect(response.code).toBe(200);
    expect(statuses(response.result)).toEqual([201, 201, 200]);
    expect(response.result?.[2]?.resourceBody).toMatchObject({ id: 'a', pk });
    expect(await idsIn(pk)).toEqual(['a', 'b']);
  });

  it('apply nothing when one operation fails: its status, 424 for every other one, HTTP 207', async () => {
    const pk = unique('p');
    await items().items.create({ id: 'taken', pk, value: 1 });
    const response = await items().items.batch(
      [
        { operationType: 'Create', resourceBody: { id: 'new-1', pk } },
        { operationType: 'Replace', id: 'taken', resourceBody: { id: 'taken', pk, value: 2 } },
        { operationType: 'Create', resourceBody: { id: 'taken', pk } },
        { operationType: 'Create', resourceBody: { id: 'new-2', pk } },
      ],
      pk,
    );
    expect(response.code).toBe(207);
    expect(statuses(response.result)).toEqual([424, 424, 409, 424]);
    expect(await idsIn(pk)).toEqual(['taken']);
    expect((await items().item('taken', pk).read()).resource).toMatchObject({ value: 1 });
    expect(fixture.account.requests.filter((r) => r.kind === 'batch').at(-1)?.status).toBe(207);
  });

  it('patch with a filter predicate and If-Match inside a batch: applied when both hold', async () => {
    const pk = unique('p');
    const { resource: head } = await items().items.create({ id: '$head', pk, version: 3 });
    const response = await items().items.batch(
      [
        { operationType: 'Patch', id: '$head', ifMatch: head!._etag, resourceBody: { operations: [{ op: 'set', path: '/version', value: 4 }], condition: 'from c where c.version = 3' } },
        { operationType: 'Create', resourceBody: { id: 'e4', pk, sequence: 4 } },
      ],
      pk,
    );
    expect(statuses(response.result)).toEqual([200, 201]);
    expect((await items().item('$head', pk).read()).resource).toMatchObject({ version: 4 });
  });

  it('a predicate that does not hold fails the patch with 412 and the batch with it', async () => {
    const pk = unique('p');
    await items().items.create({ id: '$head', pk, version: 3 });
    const response = await items().items.batch(
      [
        { operationType: 'Patch', id: '$head', resourceBody: { operations: [{ op: 'set', path: '/version', value: 5 }], condition: 'from c where c.version = 4' } },
        { operationType: 'Create', resourceBody: { id: 'e5', pk, sequence: 5 } },
      ],
      pk,
    );
    expect(statuses(response.result)).toEqual([412, 424]);
    expect(await idsIn(pk)).toEqual(['$head']);
  });

  it('a stale If-Match fails the patch with 412', async () => {
    const pk = unique('p');
    const { resource: first } = await items().items.create({ id: '$head', pk, version: 1 });
    await items().item('$head', pk).patch([{ op: 'incr', path: '/version', value: 1 }]);
    const response = await items().items.batch(
      [{ operationType: 'Patch', id: '$head', ifMatch: first!._etag, resourceBody: { operations: [{ op: 'set', path: '/version', value: 9 }] } }],
      pk,
    );
    expect(statuses(response.result)).toEqual([412]);
    expect((await items().item('$head', pk).read()).resource).toMatchObject({ version: 2 });
  });

  it('a payload over 2 MB is refused whole with 413', async () => {
    const pk = unique('p');
    const big = 'x'.repeat(800 * 1024);
    const error = await rejection(items().items.batch([0, 1, 2].map((i) => ({ operationType: 'Create' as const, resourceBody: { id: `big${i}`, pk, big } })), pk));
    expect(error?.message).toContain('Request size is too large');
    expect(fixture.account.requests.filter((r) => r.kind === 'batch').at(-1)?.status).toBe(413);
    expect(await idsIn(pk)).toEqual([]);
  });

  it('more than 100 operations: the SDK refuses before sending', async () => {
    const pk = unique('p');
    const operations: OperationInput[] = Array.from({ length: 101 }, (_, i) => ({ operationType: 'Create', resourceBody: { id: `x${i}`, pk } }));
    const before = fixture.account.requests.length;
    const error = await rejection(items().items.batch(operations, pk));
    expect(error?.message).toContain('more than 100 operations');
    expect(fixture.account.requests.slice(before).filter((r) => r.kind === 'batch')).toEqual([]);
  });

  it('more than 100 operations that reach the account are refused whole with 400', async () => {
    // A client plugin adds a 101st operation to the serialized body after the SDK's own check, so the
    // request reaches the account.
    const inflate: PluginConfig = {
      on: 'request',
      plugin: async (context, _diagnostics, next) => {
        if (context.headers?.['x-ms-cosmos-is-batch-request'] !== undefined && typeof context.body === 'string') {
          const operations = JSON.parse(context.body) as Array<{ resourceBody: { pk: string } }>;
          operations.push({ ...operations[0]!, resourceBody: { ...operations[0]!.resourceBody, id: 'extra' } } as never);
          context.body = JSON.stringify(operations);
        }
        return next(context);
      },
    };
    const client = fixture.account.client({ plugins: [inflate] } as object);
    const pk = unique('p');
    const operations: OperationInput[] = Array.from({ length: 100 }, (_, i) => ({ operationType: 'Create', resourceBody: { id: `x${i}`, pk } }));
    const error = await rejection(client.database(database).container('items').items.batch(operations, pk));
    expect(error?.message).toContain('more operations than what is supported');
    expect(fixture.account.requests.filter((r) => r.kind === 'batch').at(-1)?.status).toBe(400);
    expect(await idsIn(pk)).toEqual([]);
  });
});
