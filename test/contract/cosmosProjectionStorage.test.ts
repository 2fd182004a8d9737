import { afterAll, beforeAll } from 'vitest';
import { openCosmosProjectionStorage } from '../../src/stores/cosmos/projectionStorage.ts';
import { initAccountDatabase, startCosmosAccount, type CosmosTestAccount } from '../support/cosmosAccount/index.ts';
import { describeViewStoreContract } from './viewStoreContract.ts';

let account: CosmosTestAccount;
beforeAll(async () => {
  account = await startCosmosAccount();
  await initAccountDatabase(account);
});
afterAll(async () => {
  await account?.close();
});

describeViewStoreContract('cosmos (test account)', () =>
  openCosmosProjectionStorage({ connection: account.connection, database: 'eventlog', region: 'local' }),
);

// Every putMany as one bulk execution (large ones are, see DEFAULT_BULK_FROM), held to the same contract.
describeViewStoreContract('cosmos (test account), writes in bulk', () =>
  openCosmosProjectionStorage({ connection: account.connection, database: 'eventlog', region: 'local', bulkFrom: 1 }),
);
