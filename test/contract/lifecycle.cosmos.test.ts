import { afterAll, beforeAll } from 'vitest';
import { BlobColdStorage } from '../../src/stores/archive/blobColdStorage.ts';
import { CosmosEventStore } from '../../src/stores/cosmos/cosmosEventStore.ts';
import { BlobContainerDouble } from '../support/blobContainerDouble.ts';
import { initAccountDatabase, startCosmosAccount, type CosmosTestAccount } from '../support/cosmosAccount/index.ts';
import { describeLifecycleContract } from './lifecycleContract.ts';

// The lifecycle on the Cosmos DB test account (test/support/cosmosAccount) through the real @azure/cosmos
// client: archive records beside the streams, removal by transactional batches, the closed stream head.
// The archive is the Blob Storage adapter over an in-process double of its container (no network here).

let account: CosmosTestAccount;
// One account, one archive container: the records of every test's streams point into it.
const container = new BlobContainerDouble();
const stores: CosmosEventStore[] = [];
beforeAll(async () => {
  account = await startCosmosAccount();
  await initAccountDatabase(account);
});
afterAll(async () => {
  for (const store of stores) await store.close();
  await account?.close();
});

describeLifecycleContract(
  'cosmos (test account) with a blob archive (double)',
  async () => {
    const store = await CosmosEventStore.open({ connection: account.connection, database: 'eventlog', region: 'local' });
    stores.push(store);
    return { store, cold: new BlobColdStorage(container.asContainer()), logReplay: store, coldNames: async () => [...container.blobs.keys()] };
  },
  { timeoutMs: 600_000 },
);
