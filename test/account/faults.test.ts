import { beforeAll, describe, expect, it } from 'vitest';
import { serviceResponses, times, type ReceivedRequest } from '../support/cosmosAccount/index.ts';
import { rejection, requestsSince, unique, useAccount } from './accountFixture.ts';

// Faults on request, through @azure/cosmos: 429 with x-ms-retry-after-ms, 503, and a reply lost after
// the write was applied (no answer, or the connection reset), and what the SDK makes of each.

const fixture = useAccount();

beforeAll(async () => {
  const { database } = await fixture.account.client().databases.createIfNotExists({ id: 'faults' });
  await database.containers.createIfNotExists({ id: 'items', partitionKey: { paths: ['/pk'] } });
});

const items = (options: Parameters<typeof fixture.account.client>[0] = {}) => fixture.account.client(options).database('faults').container('items');
const isCreate = (request: ReceivedRequest) => request.kind === 'document' && request.method === 'POST';
const isRead = (request: ReceivedRequest) => request.kind === 'document' && request.method === 'GET';
const sentSince = (from: number, matches: (request: ReceivedRequest) => boolean) => requestsSince(fixture.account.requests, from).filter(matches);

describe('throttling and unavailability', () => {
  it('429 with x-ms-retry-after-ms: the SDK waits what it was told and retries, the write lands once', async () => {
    const container = items();
    const pk = unique('p');
    const stop = fixture.account.intercept(times(2, isCreate, serviceResponses.throttled(60)));
    try {
      const from = fixture.account.requests.length;
      const started = Date.now();
      await container.items.create({ id: 'a', pk });
      expect(Date.now() - started).toBeGreaterThanOrEqual(110);
      expect(sentSince(from, isCreate).map((r) => r.status)).toEqual([429, 429, 201]);
    } finally {
      stop();
    }
    expect((await container.item('a', pk).read()).resource).toMatchObject({ id: 'a' });
  });

  it('throttling beyond the client\'s retry budget reaches the caller as 429 with the hint', async () => {
    const container = items({ connectionPolicy: { retryOptions: { maxRetryAttemptCount: 1, fixedRetryIntervalInMilliseconds: 0, maxWaitTimeInSeconds: 1 } } });
    const stop = fixture.account.intercept((r) => (isCreate(r) ? serviceResponses.throttled(40) : undefined));
    try {
      const error = await rejection(container.items.create({ id: 'a', pk: unique('p') }));
      expect(error).toMatchObject({ code: 429, retryAfterInMs: 40 });
    } finally {
      stop();
    }
  });

  it('503 on a write is not retried by the SDK: the caller sees it, nothing was written', async () => {
    const container = items();
    const pk = unique('p');
    fixture.account.intercept(times(1, isCreate, serviceResponses.serviceUnavailable()));
    const from = fixture.account.requests.length;
    expect(await rejection(container.items.create({ id: 'a', pk }))).toMatchObject({ code: 503 });
    expect(sentSince(from, isCreate)).toHaveLength(1);
    expect((await container.item('a', pk).read()).statusCode).toBe(404);
  });

  it('503 on a read is retried once by the SDK', async () => {
    const container = items();
    const pk = unique('p');
    await container.items.create({ id: 'a', pk });
    fixture.account.intercept(times(1, isRead, serviceResponses.serviceUnavailable()));
    const from = fixture.account.requests.length;
    expect((await container.item('a', pk).read()).resource).toMatchObject({ id: 'a' });
    expect(sentSince(from, isRead).map((r) => r.status)).toEqual([503, 200]);
  });
});

describe('a reply lost after the write was applied', () => {
  it.each([
    { fault: 'no answer', interception: { hang: { apply: true } }, seen: 'TimeoutError' },
    { fault: 'the connection reset', interception: { reset: { apply: true } }, seen: 'ECONNRESET' },
  ] as const)('$fault: the client sees $seen, yet the item is stored', async ({ interception, seen }) => {
    const container = items({ connectionPolicy: { requestTimeout: 300 } });
    const pk = unique('p');
    fixture.account.intercept(times(1, isCreate, interception));
    expect((await rejection(container.items.create({ id: 'a', pk })))?.code).toBe(seen);
    expect((await container.item('a', pk).read()).resource).toMatchObject({ id: 'a' });
  });

  it('not applied: the same faults leave nothing behind', async () => {
    const container = items({ connectionPolicy: { requestTimeout: 300 } });
    const pk = unique('p');
    fixture.account.intercept(times(1, isCreate, { hang: { apply: false } }));
    fixture.account.intercept(times(1, isCreate, { reset: { apply: false } }));
    expect((await rejection(container.items.create({ id: 'a', pk })))?.code).toBe('TimeoutError');
    expect((await rejection(container.items.create({ id: 'b', pk })))?.code).toBe('ECONNRESET');
    expect((await container.items.query({ query: 'SELECT * FROM c' }, { partitionKey: pk }).fetchAll()).resources).toEqual([]);
  });
});
