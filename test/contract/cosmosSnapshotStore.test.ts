import { afterAll, beforeAll } from 'vitest';
import { openCosmosSnapshotStore } from '../../src/stores/cosmos/index.ts';
import { loadConfig } from '../../src/config.ts';
import { startCosmosAccountForApp } from '../support/cosmosAccount/index.ts';
import { describeSnapshotStoreContract } from './snapshotStoreContract.ts';

let cosmos: Awaited<ReturnType<typeof startCosmosAccountForApp>>;
beforeAll(async () => {
  cosmos = await startCosmosAccountForApp();
});
afterAll(async () => {
  await cosmos?.close();
});

describeSnapshotStoreContract('cosmos (test account)', () => openCosmosSnapshotStore(loadConfig(cosmos.env)));
