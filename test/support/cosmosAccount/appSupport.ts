import { CosmosClient } from '@azure/cosmos';
import { containerLayout, initCosmos, type ContainerLayout } from '../../../src/stores/cosmos/containers.ts';
import { startCosmosAccount, TEST_KEY, type CosmosAccountOptions, type CosmosTestAccount } from './account.ts';

// What an app or a test needs to run the product on the account: its containers created by the
// product's own `initCosmos` with the product's real layout (the composite unique key of `events`
// included), and the settings that point the app at it.

/** Creates the database and containers with the product's `init`, as `npm run cosmos:init` would. */
export const initAccountDatabase = async (account: CosmosTestAccount, database = 'eventlog', layout: ContainerLayout = containerLayout): Promise<void> => {
  const client = new CosmosClient({ endpoint: account.endpoint, key: account.key });
  try {
    await initCosmos({ events: client, views: client }, database, layout);
  } finally {
    client.dispose();
  }
};

/** An account with the product's database, and the environment that points an app at it (EVENT_STORE=cosmos). */
export const startCosmosAccountForApp = async (
  options: CosmosAccountOptions = {},
): Promise<{ account: CosmosTestAccount; env: Record<string, string>; close: () => Promise<void> }> => {
  const account = await startCosmosAccount(options);
  await initAccountDatabase(account);
  return {
    account,
    env: { EVENT_STORE: 'cosmos', COSMOS_ENDPOINT: account.endpoint, COSMOS_KEY: TEST_KEY },
    close: () => account.close(),
  };
};
