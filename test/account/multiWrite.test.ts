import type { ContainerDefinition } from '@azure/cosmos';
import { beforeAll, describe, expect, it } from 'vitest';
import { requestsSince, unique, until, useAccount, withLag } from './accountFixture.ts';

// An account with several write regions, through @azure/cosmos: each client writes to its preferred
// region, session tokens carry each write region's progress, and concurrent writes of one item (or of
// one unique key) are resolved by the container's conflict resolution policy, the same way in every region.

const WEST = 'westeurope';
const NORTH = 'northeurope';
let now = Date.UTC(2030, 0, 1);
const fixture = useAccount({ regions: [WEST, NORTH], multiWrite: true, clock: () => now });

const containerIn = (region: string, id: string) =>
  fixture.account.client({ connectionPolicy: { preferredLocations: [region] } }).database('multi').container(id);

const create = async (definition: ContainerDefinition) => {
  const { database } = await fixture.account.client().databases.createIfNotExists({ id: 'multi' });
  await database.containers.createIfNotExists(definition);
};

beforeAll(async () => {
  await create({ id: 'custom', partitionKey: { paths: ['/pk'] }, uniqueKeyPolicy: { uniqueKeys: [{ paths: ['/seq'] }] }, conflictResolutionPolicy: { mode: 'Custom' } });
  await create({ id: 'lww', partitionKey: { paths: ['/pk'] } });
});

/** Holds replication both ways while `work` runs, then lets it through and waits for it. */
const concurrently = async (work: () => Promise<void>): Promise<void> => {
  await withLag(fixture.account, WEST, 60_000, () => withLag(fixture.account, NORTH, 60_000, work));
  await until(() => fixture.account.pendingReplication(WEST) + fixture.account.pendingReplication(NORTH) === 0);
};

const readIn = async (region: string, container: string, id: string, pk: string) => (await containerIn(region, container).item(id, pk).read()).resource;

describe('several write regions', () => {
  it('the account document lists every region as writable; each client writes to its preferred region', async () => {
    const { resource } = await fixture.account.client().getDatabaseAccount();
    expect(resource?.writableLocations.map((l) => l.name)).toEqual(['West Europe', 'North Europe']);
    expect(resource?.enableMultipleWritableLocations).toBe(true);
    const from = fixture.account.requests.length;
    const { headers } = await containerIn(NORTH, 'lww').items.create({ id: 'n', pk: unique('p') });
    expect(requestsSince(fixture.account.requests, from).filter((r) => r.kind === 'document').map((r) => r.region)).toEqual([NORTH]);
    expect(String(headers['x-ms-session-token'])).toMatch(/^\d+:\d+#\d+#0=\d+#1=\d+$/);
  });

  it('Custom policy without a procedure: the version committed first stays everywhere, the other goes to the conflicts feed', async () => {
    const pk = unique('p');
    await concurrently(async () => {
      await containerIn(WEST, 'custom').items.create({ id: 'x', pk, by: 'west' });
      now += 1_000;
      await containerIn(NORTH, 'custom').items.create({ id: 'x', pk, by: 'north' });
    });
    expect(await readIn(WEST, 'custom', 'x', pk)).toMatchObject({ by: 'west' });
    expect(await readIn(NORTH, 'custom', 'x', pk)).toMatchObject({ by: 'west' });
    const conflicts = (await containerIn(WEST, 'custom').conflicts.readAll().fetchAll()).resources.filter((c) => String(c.content).includes(pk));
    expect(conflicts.map((c) => JSON.parse(String(c.content)).by)).toEqual(['north']);
  });

  it('two items taking one unique key in two regions: one stays, the other is a conflict', async () => {
    const pk = unique('p');
    await concurrently(async () => {
      await containerIn(WEST, 'custom').items.create({ id: 'e-west', pk, seq: 1 });
      now += 1_000;
      await containerIn(NORTH, 'custom').items.create({ id: 'e-north', pk, seq: 1 });
    });
    for (const region of [WEST, NORTH]) {
      const { resources } = await containerIn(region, 'custom').items.query<string>({ query: 'SELECT VALUE c.id FROM c WHERE c.seq = 1' }, { partitionKey: pk }).fetchAll();
      expect(resources).toEqual(['e-west']);
    }
    const conflicts = (await containerIn(NORTH, 'custom').conflicts.readAll().fetchAll()).resources.filter((c) => String(c.content).includes(pk));
    expect(conflicts.map((c) => JSON.parse(String(c.content)).id)).toEqual(['e-north']);
  });

  it('Last Writer Wins (the default): the highest _ts wins in every region, and nothing reaches the conflicts feed', async () => {
    const pk = unique('p');
    await containerIn(WEST, 'lww').items.create({ id: 'x', pk, by: 'first' });
    await until(() => fixture.account.pendingReplication(NORTH) === 0);
    await concurrently(async () => {
      now += 5_000;
      await containerIn(NORTH, 'lww').item('x', pk).replace({ id: 'x', pk, by: 'north, later' });
      now -= 2_000;
      await containerIn(WEST, 'lww').item('x', pk).replace({ id: 'x', pk, by: 'west, earlier' });
      now += 2_000;
    });
    expect(await readIn(WEST, 'lww', 'x', pk)).toMatchObject({ by: 'north, later' });
    expect(await readIn(NORTH, 'lww', 'x', pk)).toMatchObject({ by: 'north, later' });
    expect((await containerIn(WEST, 'lww').conflicts.readAll().fetchAll()).resources).toEqual([]);
  });
});
