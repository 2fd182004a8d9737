import { ConsistencyLevel } from '@azure/cosmos';
import { beforeAll, describe, expect, it } from 'vitest';
import { requestsSince, unique, until, useAccount, withLag } from './accountFixture.ts';

// Session consistency through @azure/cosmos on a two-region account: the session token format, a
// read region that has not reached a client's token answering 404/1002 ReadSessionNotAvailable, and
// what @azure/cosmos 4.x then does (pinned here, since the product's read-your-writes depends on it).

const WEST = 'westeurope';
const NORTH = 'northeurope';
const fixture = useAccount({ regions: [WEST, NORTH] });

beforeAll(async () => {
  const { database } = await fixture.account.client().databases.createIfNotExists({ id: 'sessions' });
  await database.containers.createIfNotExists({ id: 'items', partitionKey: { paths: ['/pk'] } });
});

/** A client in Session consistency: the JS SDK sends session tokens only when the request's consistency level is Session. */
const sessionClient = (preferredLocations: string[]) =>
  fixture.account.client({ consistencyLevel: ConsistencyLevel.Session, connectionPolicy: { preferredLocations } }).database('sessions').container('items');

describe('session tokens', () => {
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
