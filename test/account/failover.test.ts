import { CosmosClient } from '@azure/cosmos';
import { describe, expect, it } from 'vitest';
import { startCosmosAccount, type CosmosTestAccount } from '../support/cosmosAccount/index.ts';
import { rejection, requestsSince, unique, until } from './accountFixture.ts';

// Moving the write region, through @azure/cosmos: a planned failover drains replication and loses
// nothing; a forced failover switches at once, the old write region's unreplicated writes are missing
// from the new timeline and come back on the conflicts feed when that region returns. Clients follow
// the write region through 403.3 WriteForbidden and a fresh read of the account document.

const WEST = 'westeurope';
const NORTH = 'northeurope';

const withAccount = async (test: (account: CosmosTestAccount) => Promise<void>): Promise<void> => {
  const account = await startCosmosAccount({ regions: [WEST, NORTH] });
  try {
    await test(account);
  } finally {
    await account.close();
  }
};

const itemsOf = async (account: CosmosTestAccount, preferredLocations: string[] = []) => {
  const { database } = await account.client({ connectionPolicy: { preferredLocations } }).databases.createIfNotExists({ id: 'failover' });
  return (await database.containers.createIfNotExists({ id: 'items', partitionKey: { paths: ['/pk'] } })).container;
};

const idsIn = async (container: Awaited<ReturnType<typeof itemsOf>>, pk: string) =>
  (await container.items.query<string>({ query: 'SELECT VALUE c.id FROM c' }, { partitionKey: pk }).fetchAll()).resources.sort();

describe('planned failover', () => {
  it('drains what the new write region had not received, then switches: nothing acknowledged is lost', () =>
    withAccount(async (account) => {
      const writer = await itemsOf(account);
      const pk = unique('p');
      account.setLag(NORTH, 60_000);
      for (const id of ['a', 'b', 'c']) await writer.items.create({ id, pk });
      expect(account.pendingReplication(NORTH)).toBe(3);
      account.plannedFailover(NORTH);
      expect(account.writeRegions()).toEqual([NORTH]);
      expect(account.pendingReplication(NORTH)).toBe(0);
      expect(await idsIn(await itemsOf(account, [NORTH]), pk)).toEqual(['a', 'b', 'c']);
    }));

  it('a client that knew the old write region is redirected: 403.3, a fresh account read, the write in the new region', () =>
    withAccount(async (account) => {
      const writer = await itemsOf(account);
      const pk = unique('p');
      await writer.items.create({ id: 'before', pk });
      account.plannedFailover(NORTH);
      const from = account.requests.length;
      await writer.items.create({ id: 'after', pk });
      const sent = requestsSince(account.requests, from);
      expect(sent.filter((r) => r.kind === 'document').map((r) => [r.region, r.status, r.substatus])).toEqual([
        [WEST, 403, 3],
        [NORTH, 201, undefined],
      ]);
      expect(sent.some((r) => r.method === 'GET' && r.path === '/')).toBe(true);
      await until(() => account.pendingReplication(WEST) === 0);
      expect(await idsIn(await itemsOf(account, [WEST]), pk)).toEqual(['after', 'before']);
    }));

  it('is refused while the write region is unreachable', () =>
    withAccount(async (account) => {
      await account.cut(WEST);
      expect(() => account.plannedFailover(NORTH)).toThrow(/does not succeed/);
      expect(account.writeRegions()).toEqual([WEST]);
    }));
});

describe('forced failover', () => {
  it('switches at once: unreplicated writes are missing from the new timeline, and come back on the conflicts feed when the old region heals', () =>
    withAccount(async (account) => {
      const writer = await itemsOf(account);
      const pk = unique('p');
      await writer.items.create({ id: 'replicated', pk });
      await until(() => account.pendingReplication(NORTH) === 0);
      account.setLag(NORTH, 60_000);
      await writer.items.create({ id: 'unreplicated', pk, note: 'acknowledged by West Europe only' });
      await account.cut(WEST);
      account.forcedFailover(NORTH);
      expect(account.writeRegions()).toEqual([NORTH]);

      const north = await itemsOf(account, [NORTH]);
      expect(await idsIn(north, pk)).toEqual(['replicated']);
      await north.items.create({ id: 'new-timeline', pk });
      expect((await north.conflicts.readAll().fetchAll()).resources).toEqual([]);

      await account.heal(WEST);
      const { resources: conflicts } = await north.conflicts.readAll().fetchAll();
      expect(conflicts).toHaveLength(1);
      expect(conflicts[0]).toMatchObject({ operationType: 'create', resourceType: 'document' });
      expect(JSON.parse(String(conflicts[0]!.content))).toMatchObject({ id: 'unreplicated', pk, note: 'acknowledged by West Europe only' });

      // West Europe rejoined as a read region with the new timeline's copy.
      expect(await idsIn(await itemsOf(account, [WEST]), pk)).toEqual(['new-timeline', 'replicated']);
      await north.conflict(conflicts[0]!.id, pk).delete();
      expect((await north.conflicts.readAll().fetchAll()).resources).toEqual([]);
    }));

  it('while the old write region stays up, it rejoins at once: its lost writes are on the conflicts feed, its copy is the new timeline', () =>
    withAccount(async (account) => {
      const writer = await itemsOf(account);
      const pk = unique('p');
      account.setLag(NORTH, 60_000);
      await writer.items.create({ id: 'lost', pk });
      account.forcedFailover(NORTH);
      const west = await itemsOf(account, [WEST]);
      expect((await west.conflicts.readAll().fetchAll()).resources.map((c) => JSON.parse(String(c.content)).id)).toEqual(['lost']);
      expect(await idsIn(west, pk)).toEqual([]);
    }));

  it('a write sent to the old write region after the switch is refused with 403.3', () =>
    withAccount(async (account) => {
      await itemsOf(account);
      account.forcedFailover(NORTH);
      // Without endpoint discovery the SDK sends every request to the endpoint it was given.
      const west = account.regions.find((r) => r.name === WEST)!;
      const pinned = new CosmosClient({ endpoint: west.endpoint, key: account.key, connectionPolicy: { enableEndpointDiscovery: false } });
      try {
        const error = await rejection(pinned.database('failover').container('items').items.create({ id: 'y', pk: 'p' }));
        expect(error).toMatchObject({ code: 403, substatus: 3 });
      } finally {
        pinned.dispose();
      }
    }));
});
