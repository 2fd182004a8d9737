import { ConsistencyLevel } from '@azure/cosmos';
import { beforeAll, describe, expect, it } from 'vitest';
import { rejection, requestsSince, unique, until, useAccount, withLag } from './accountFixture.ts';

// Regions through @azure/cosmos: the account document, endpoint discovery and preferredLocations
// routing each request to a region's own port (seen in the per-region request log), asynchronous
// replication with a lag, cut/heal, and session consistency: the session token format, a read region
// that has not reached a client's token answering 404/1002 ReadSessionNotAvailable, and what
// @azure/cosmos 4.x then does (pinned here, since the product's read-your-writes depends on it).

const WEST = 'westeurope';
const NORTH = 'northeurope';
const fixture = useAccount({ regions: [WEST, NORTH] });

const setUp = async (preferredLocations: string[] = []) => {
  const client = fixture.account.client({ connectionPolicy: { preferredLocations } });
  const { database } = await client.databases.createIfNotExists({ id: 'regions' });
  const { container } = await database.containers.createIfNotExists({ id: 'items', partitionKey: { paths: ['/pk'] } });
  return container;
};

const itemRequests = (from: number) => requestsSince(fixture.account.requests, from).filter((r) => r.kind !== 'metadata');

describe('the account document', () => {
  it('lists the write region and every region by display name, each with its own endpoint', async () => {
    const { resource } = await fixture.account.client().getDatabaseAccount();
    expect(resource?.writableLocations.map((l) => l.name)).toEqual(['West Europe']);
    expect(resource?.readableLocations.map((l) => l.name)).toEqual(['West Europe', 'North Europe']);
    const endpoints = resource!.readableLocations.map((l) => l.databaseAccountEndpoint);
    expect(new Set([...endpoints, `${fixture.account.endpoint}/`]).size).toBe(3);
    expect(fixture.account.regions.map((r) => r.endpoint)).toEqual(endpoints);
  });
});

describe('routing by preferredLocations', () => {
  it('reads go to the first preferred region, writes to the write region, whatever the spelling of the name', async () => {
    for (const preferred of ['northeurope', 'North Europe']) {
      const container = await setUp([preferred]);
      const pk = unique('p');
      const from = fixture.account.requests.length;
      await container.items.create({ id: 'a', pk });
      await until(() => fixture.account.pendingReplication(NORTH) === 0);
      await container.item('a', pk).read();
      expect(itemRequests(from).map((r) => [r.method, r.region, r.via])).toEqual([
        ['POST', WEST, 'regional'],
        ['GET', NORTH, 'regional'],
      ]);
    }
  });

  it('without a preference every request goes to the write region', async () => {
    const container = await setUp();
    const pk = unique('p');
    const from = fixture.account.requests.length;
    await container.items.create({ id: 'a', pk });
    await container.item('a', pk).read();
    expect(itemRequests(from).map((r) => r.region)).toEqual([WEST, WEST]);
  });
});

describe('asynchronous replication', () => {
  it('a read region has a write only once its lag has passed', async () => {
    const container = await setUp([NORTH]);
    await withLag(fixture.account, NORTH, 300, async () => {
      const pk = unique('p');
      await container.items.create({ id: 'late', pk });
      expect((await container.item('late', pk).read()).statusCode).toBe(404);
      expect(fixture.account.pendingReplication(NORTH)).toBe(1);
      await until(() => fixture.account.pendingReplication(NORTH) === 0, 1_000);
      expect((await container.item('late', pk).read()).resource).toMatchObject({ id: 'late' });
    });
  });

  it('a cut region receives nothing until it is healed, then catches up', async () => {
    const writer = await setUp();
    const reader = await setUp([NORTH]);
    const pk = unique('p');
    await fixture.account.cut(NORTH);
    try {
      await writer.items.create({ id: 'while-cut', pk });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(fixture.account.pendingReplication(NORTH)).toBe(1);
    } finally {
      await fixture.account.heal(NORTH);
    }
    await until(() => fixture.account.pendingReplication(NORTH) === 0);
    const from = fixture.account.requests.length;
    expect((await reader.item('while-cut', pk).read()).resource).toMatchObject({ id: 'while-cut' });
    expect(itemRequests(from).map((r) => r.region)).toEqual([NORTH]);
  });
});

describe('a cut read region', () => {
  it('answering 503: the SDK retries the read in the next preferred region', async () => {
    const container = await setUp([NORTH, WEST]);
    const pk = unique('p');
    await container.items.create({ id: 'a', pk });
    await until(() => fixture.account.pendingReplication(NORTH) === 0);
    await fixture.account.cut(NORTH);
    try {
      const from = fixture.account.requests.length;
      expect((await container.item('a', pk).read()).resource).toMatchObject({ id: 'a' });
      expect(itemRequests(from).map((r) => [r.region, r.status])).toEqual([
        [NORTH, 503],
        [WEST, 200],
      ]);
    } finally {
      await fixture.account.heal(NORTH);
    }
    const from = fixture.account.requests.length;
    await container.item('a', pk).read();
    expect(itemRequests(from).map((r) => r.region)).toEqual([NORTH]);
  });

  it('refusing connections: @azure/cosmos 4.x does not fail over on ECONNREFUSED, the read fails', async () => {
    const container = await setUp([NORTH, WEST]);
    const pk = unique('p');
    await container.items.create({ id: 'a', pk });
    await until(() => fixture.account.pendingReplication(NORTH) === 0);
    await fixture.account.cut(NORTH, 'refused');
    try {
      const error = await rejection(container.item('a', pk).read());
      expect(error?.code).toBe('ECONNREFUSED');
    } finally {
      await fixture.account.heal(NORTH);
    }
    expect((await container.item('a', pk).read()).resource).toMatchObject({ id: 'a' });
  });

  it('a write always goes to the write region, even from a client that prefers the read region', async () => {
    const container = await setUp([NORTH]);
    await fixture.account.cut(NORTH);
    try {
      const from = fixture.account.requests.length;
      await container.items.create({ id: 'w', pk: unique('p') });
      expect(itemRequests(from).map((r) => r.region)).toEqual([WEST]);
    } finally {
      await fixture.account.heal(NORTH);
    }
  });
});

/** A client in Session consistency: the JS SDK sends session tokens only when the request's consistency level is Session. */
const sessionClient = (preferredLocations: string[]) =>
  fixture.account.client({ consistencyLevel: ConsistencyLevel.Session, connectionPolicy: { preferredLocations } }).database('regions').container('items');

describe('session consistency', () => {
  beforeAll(() => setUp());

  it('come with every item response as {pkrangeid}:{version}#{lsn}, the LSN of the write', async () => {
    const container = sessionClient([WEST]);
    const { headers, resource } = await container.items.create<{ id: string; pk: string; _lsn?: number }>({ id: 'a', pk: unique('p') });
    const token = String(headers['x-ms-session-token']);
    expect(token).toMatch(/^\d+:\d+#\d+$/);
    expect(Number(token.split('#')[1])).toBe(resource!._lsn);
  });

  it('are sent back by a Session client, and a region that has reached them serves the read', async () => {
    const container = sessionClient([NORTH]);
    const pk = unique('p');
    await container.items.create({ id: 'a', pk });
    await until(() => fixture.account.pendingReplication(NORTH) === 0);
    const from = fixture.account.requests.length;
    expect((await container.item('a', pk).read()).resource).toMatchObject({ id: 'a' });
    const [read] = requestsSince(fixture.account.requests, from).filter((r) => r.kind === 'document');
    expect(read).toMatchObject({ region: NORTH, status: 200 });
    expect(String(read!.headers['x-ms-session-token'])).toMatch(/^\d+:\d+#\d+/);
  });

  it('a read region behind the token answers 404/1002; the SDK drops its tokens and reads the stale copy in the same region', () =>
    withLag(fixture.account, NORTH, 5_000, async () => {
      const container = sessionClient([NORTH]);
      const pk = unique('p');
      await container.items.create({ id: 'fresh', pk });
      const from = fixture.account.requests.length;
      const { statusCode } = await container.item('fresh', pk).read();
      const reads = requestsSince(fixture.account.requests, from).filter((r) => r.kind === 'document');
      expect(reads.map((r) => [r.region, r.status, r.substatus, r.headers['x-ms-session-token'] !== undefined])).toEqual([
        [NORTH, 404, 1002, true], // ReadSessionNotAvailable
        [NORTH, 404, undefined, false], // retried without a token: the item is not in that copy yet
      ]);
      expect(statusCode).toBe(404);
    }));

  it('the same read through the write region sees the write at once', () =>
    withLag(fixture.account, NORTH, 5_000, async () => {
      const container = sessionClient([WEST]);
      const pk = unique('p');
      await container.items.create({ id: 'fresh', pk });
      expect((await container.item('fresh', pk).read()).resource).toMatchObject({ id: 'fresh' });
    }));
});
