import { afterEach, describe, expect, it } from 'vitest';
import { FakeArm } from './fakeArm.ts';
import { staticToken } from '../../infra/scripts/src/arm.ts';
import { contextFrom } from '../../infra/scripts/src/cli.ts';
import { drill } from '../../infra/scripts/src/drill.ts';

describe('drill against a loopback ARM', () => {
  let fake: FakeArm;
  afterEach(async () => fake?.stop());

  const setup = async (dryRun = false) => {
    const lines: string[] = [];
    const sleeps: number[] = [];
    const ctx = await contextFrom(
      { env: { ARM_ENDPOINT: fake.endpoint }, credential: staticToken('t'), log: (l) => lines.push(l), sleep: async (ms) => void sleeps.push(ms), pollIntervalMs: 1 },
      dryRun,
    );
    const ref = { subscriptionId: 'sub-1', resourceGroup: 'rg-eventlog', accountName: 'cosmos-eventlog-abc' };
    return { ctx, ref, lines, sleeps };
  };

  const withoutPolls = () => fake.calls().filter((c) => !c.includes('operationsStatus'));

  it('offline mode on the write region: offline, writes move, hold, online, planned failback', async () => {
    fake = new FakeArm();
    await fake.start();
    const { ctx, ref, sleeps } = await setup();

    const result = await drill(ctx, { ref, region: 'westeurope', mode: 'offline', holdSeconds: 30, restore: true });

    expect(result).toEqual({ region: 'westeurope', writeRegionBefore: 'westeurope', writeRegionDuring: 'northeurope', writeRegionAfter: 'westeurope' });
    expect(withoutPolls()).toEqual([
      'GET /',
      'POST /offlineRegion',
      'GET /',
      'POST /onlineRegion',
      'GET /',
      'POST /failoverPriorityChange',
      'GET /',
    ]);
    const posts = fake.requests.filter((r) => r.method === 'POST').map((r) => r.body);
    expect(posts).toEqual([
      { region: 'westeurope' },
      { region: 'westeurope' },
      { failoverPolicies: [ { locationName: 'westeurope', failoverPriority: 0 }, { locationName: 'northeurope', failoverPriority: 1 } ] },
    ]);
    expect(sleeps).toContain(30_000);
    expect(fake.offline.size).toBe(0);
    expect(fake.writeRegion()).toBe('westeurope');
  });

  it('offline mode on a read region: no failback needed', async () => {
    fake = new FakeArm();
    await fake.start();
    const { ctx, ref } = await setup();
    await drill(ctx, { ref, region: 'northeurope', mode: 'offline', holdSeconds: 0, restore: true });
    expect(withoutPolls()).toEqual(['GET /', 'POST /offlineRegion', 'GET /', 'POST /onlineRegion', 'GET /']);
    expect(fake.writeRegion()).toBe('westeurope');
  });

  it('failover mode: planned move to the next region and back; nothing goes offline', async () => {
    fake = new FakeArm();
    await fake.start();
    const { ctx, ref } = await setup();
    await drill(ctx, { ref, region: 'westeurope', mode: 'failover', holdSeconds: 0, restore: true });
    expect(withoutPolls()).toEqual(['GET /', 'POST /failoverPriorityChange', 'GET /', 'POST /failoverPriorityChange', 'GET /']);
    expect(fake.requests.some((r) => r.path.endsWith('/offlineRegion'))).toBe(false);
    expect(fake.writeRegion()).toBe('westeurope');
  });

  it('dry run prints the offline, online and failback calls and changes nothing', async () => {
    fake = new FakeArm();
    await fake.start();
    const { ctx, ref, lines, sleeps } = await setup(true);
    await drill(ctx, { ref, region: 'westeurope', mode: 'offline', holdSeconds: 60, restore: true });
    expect(fake.requests.map((r) => r.method)).toEqual(['GET']);
    const printed = lines.filter((l) => l.startsWith('[dry-run] would POST'));
    expect(printed.map((l) => l.replace(/^.*databaseAccounts\/cosmos-eventlog-abc/, '').replace(/\?.*$/, ''))).toEqual(['/offlineRegion', '/onlineRegion']);
    expect(sleeps).toEqual([]);
  });

  it('fails (bounded) when the region never comes back online', async () => {
    fake = new FakeArm();
    await fake.start();
    fake.queue('POST', '/onlineRegion', { status: 204 });
    const { ctx, ref } = await setup();
    await expect(drill(ctx, { ref, region: 'northeurope', mode: 'offline', holdSeconds: 0, restore: true, verifyAttempts: 3 })).rejects.toThrow(/back online: not seen after 3 reads/);
  });
});
