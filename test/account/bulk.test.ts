import type { OperationInput } from '@azure/cosmos';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeCharge } from '../support/cosmosAccount/index.ts';
import { unique, useAccount } from './accountFixture.ts';

// Bulk execution through @azure/cosmos (`executeBulkOperations`): the SDK groups operations by partition
// key range and sends each group as a non-atomic batch; each operation stands alone, with its own status
// and charge (wire/handlers/bulk.ts, and the pages it cites).

const fixture = useAccount({ physicalPartitions: 2 });
const database = 'bulk';

beforeAll(async () => {
  const { database: db } = await fixture.account.client().databases.createIfNotExists({ id: database });
  await db.containers.createIfNotExists({ id: 'items', partitionKey: { paths: ['/pk'] } });
});

const items = () => fixture.account.client().database(database).container('items');
const bulkRequests = (from: number) => fixture.account.requests.slice(from).filter((r) => r.kind === 'bulk');
type CreateInput = OperationInput & { operationType: 'Create'; partitionKey: string; resourceBody: { id: string; pk: string; n: number } };
/** One item per partition key: spread over both ranges. */
const creates = (count: number): CreateInput[] =>
  Array.from({ length: count }, (_, i) => {
    const pk = unique(`b${i}`);
    return { operationType: 'Create', partitionKey: pk, resourceBody: { id: 'doc', pk, n: i } };
  });
const stored = async (pk: string) => (await items().item('doc', pk).read()).resource;

describe('bulk execution', () => {
  it('sends one non-atomic batch per partition key range, answered 200 when every operation succeeded', async () => {
    const from = fixture.account.requests.length;
    const operations = creates(20);
    const results = await items().items.executeBulkOperations(operations);
    expect(results.map((r) => r.response?.statusCode)).toEqual(new Array(20).fill(201));
    const sent = bulkRequests(from);
    expect(sent).toHaveLength(2);
    expect(sent.map((r) => r.headers['x-ms-cosmos-batch-atomic'])).toEqual(['false', 'false']);
    expect(new Set(sent.map((r) => r.headers['x-ms-documentdb-partitionkeyrangeid'])).size).toBe(2);
    expect(sent.map((r) => r.status)).toEqual([200, 200]);
    expect(sent.reduce((total, r) => total + (r.body as unknown[]).length, 0)).toBe(20);
    for (const operation of operations) expect(await stored(operation.partitionKey)).toMatchObject({ n: operation.resourceBody.n });
  });

  it('applies each operation on its own: a refused one keeps its status and changes nothing, the others are written (HTTP 207)', async () => {
    const [taken, ...others] = creates(6);
    await items().items.create({ id: 'doc', pk: taken!.partitionKey, n: -1 });
    const from = fixture.account.requests.length;
    const results = await items().items.executeBulkOperations([taken!, ...others]);
    expect(results[0]!.error?.code).toBe(409);
    expect(results.slice(1).map((r) => r.response?.statusCode)).toEqual(new Array(5).fill(201));
    expect(await stored(taken!.partitionKey)).toMatchObject({ n: -1 });
    for (const other of others) expect(await stored(other.partitionKey)).toBeDefined();
    expect(bulkRequests(from).map((r) => r.status)).toContain(207);
  });

  it('judges Replace with ifMatch per operation: the current etag replaces, a stale one is 412, an absent item 404', async () => {
    const [current, stale, absent] = [unique('r'), unique('r'), unique('r')];
    const { resource: first } = await items().items.create({ id: 'doc', pk: current, n: 1 });
    const { resource: old } = await items().items.create({ id: 'doc', pk: stale, n: 1 });
    await items().item('doc', stale).replace({ id: 'doc', pk: stale, n: 2 });
    const results = await items().items.executeBulkOperations([
      { operationType: 'Replace', id: 'doc', partitionKey: current, ifMatch: first!._etag, resourceBody: { id: 'doc', pk: current, n: 10 } },
      { operationType: 'Replace', id: 'doc', partitionKey: stale, ifMatch: old!._etag, resourceBody: { id: 'doc', pk: stale, n: 10 } },
      { operationType: 'Replace', id: 'doc', partitionKey: absent, ifMatch: old!._etag, resourceBody: { id: 'doc', pk: absent, n: 10 } },
    ]);
    expect(results.map((r) => r.response?.statusCode ?? r.error?.code)).toEqual([200, 412, 404]);
    expect(results[0]!.response?.eTag).toBe((await items().item('doc', current).read()).resource?._etag);
    expect(await stored(current)).toMatchObject({ n: 10 });
    expect(await stored(stale)).toMatchObject({ n: 2 });
  });

  it('charges each operation what it would cost alone, and each request the sum of its operations', async () => {
    const results = await items().items.executeBulkOperations(creates(8));
    for (const result of results) expect(result.response?.requestCharge).toBe(writeCharge(result.response?.resourceBody));
    // Results of one request share its headers: x-ms-request-charge is the sum of that request's operations.
    const byRequest = new Map<unknown, number>();
    for (const result of results) byRequest.set(result.response?.headers, (byRequest.get(result.response?.headers) ?? 0) + result.response!.requestCharge);
    expect(byRequest.size).toBe(2);
    for (const [headers, sum] of byRequest) expect(Number((headers as Record<string, string>)['x-ms-request-charge'])).toBeCloseTo(sum, 2);
  });

  it('with continue-on-error off, stops at the first failure: the operations after it are 424 and not applied', async () => {
    const pk = unique('stop');
    await items().items.create({ id: 'taken', pk });
    // The deprecated bulk() sends the header as asked; executeBulkOperations always continues.
    const results = await items().items.bulk(
      [
        { operationType: 'Create', partitionKey: pk, resourceBody: { id: 'first', pk } },
        { operationType: 'Create', partitionKey: pk, resourceBody: { id: 'taken', pk } },
        { operationType: 'Create', partitionKey: pk, resourceBody: { id: 'after', pk } },
      ],
      { continueOnError: false },
    );
    expect(results.map((r) => r.statusCode)).toEqual([201, 409, 424]);
    expect((await items().item('first', pk).read()).resource).toBeDefined();
    expect((await items().item('after', pk).read()).resource).toBeUndefined();
  });

  it('a range that split since the SDK looked answers 410, and the SDK sends each operation again to the new ranges', async () => {
    const client = fixture.account.client();
    const container = client.database(database).container('items');
    await container.items.executeBulkOperations(creates(2)); // the client caches the ranges
    const ranges = (await container.readPartitionKeyRanges().fetchAll()).resources.map((r) => r.id);
    for (const id of ranges) fixture.account.splitPartition(database, 'items', id);
    const from = fixture.account.requests.length;
    const operations = creates(10);
    const results = await container.items.executeBulkOperations(operations);
    expect(results.map((r) => r.response?.statusCode)).toEqual(new Array(10).fill(201));
    const sent = bulkRequests(from);
    expect(sent.some((r) => r.status === 410 && r.substatus === 1002)).toBe(true);
    expect(sent.filter((r) => r.status !== 410).length).toBeGreaterThan(2);
  });
});
