import { rmSync } from 'node:fs';
import { afterAll } from 'vitest';
import type { EventStore } from '../../src/core/index.ts';
import { RegionalAccount } from '../../src/simulation/account.ts';
import { RegionReplica } from '../../src/simulation/replica.ts';
import { describeEventStoreContract } from '../contract/eventStoreContract.ts';
import { tempDir } from '../support/http.ts';

// A region's replica, and the endpoint a write region's API uses, are event stores like any other.

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const freshDir = (): string => {
  const dir = tempDir('eventlog-region-contract-');
  dirs.push(dir);
  return dir;
};

describeEventStoreContract('region replica', async () => new RegionReplica({ region: 'test-region', dataDir: freshDir() }));

describeEventStoreContract('write region endpoint', async () => {
  const account = new RegionalAccount({ regions: ['test-region', 'elsewhere'], dataDir: freshDir() });
  const endpoint = account.endpoint('test-region');
  return new Proxy(endpoint, {
    get: (target, property) => (property === 'close' ? () => account.close() : Reflect.get(target, property, target)),
  }) as EventStore;
});
