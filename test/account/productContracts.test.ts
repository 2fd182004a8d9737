import { afterAll, beforeAll } from 'vitest';
import { CosmosEventStore } from '../../src/stores/cosmos/cosmosEventStore.ts';
import { openCosmosProjectionStorage } from '../../src/stores/cosmos/projectionStorage.ts';
import { describeEventStoreContract } from '../contract/eventStoreContract.ts';
import { describeViewStoreContract } from '../contract/viewStoreContract.ts';
import { initAccountDatabase, startCosmosAccount, type CosmosTestAccount } from '../support/cosmosAccount/index.ts';

// The product's own contract suites on the test account, with the product's real container layout:
// what the account must get right for the product (atomic batches, the composite unique key, Patch
// with a predicate in a batch) is exercised the way the product uses it. Only the global log is
// skipped: Cosmos DB has no order across partitions.

let account: CosmosTestAccount;
beforeAll(async () => {
  account = await startCosmosAccount();
  await initAccountDatabase(account);
});
afterAll(async () => {
  await account?.close();
});

describeEventStoreContract(
  'cosmos (test account)',
  () => CosmosEventStore.open({ connection: account.connection, database: 'eventlog', region: 'local' }),
  { skip: { globalLog: 'Cosmos DB has no order across partitions: consumers read the change feed, not a global log' } },
);

describeViewStoreContract('cosmos (test account)', () => openCosmosProjectionStorage({ connection: account.connection, database: 'eventlog', region: 'local' }));
