import { afterAll, beforeAll } from 'vitest';
import { openCosmosSnapshotStore } from '../../src/stores/cosmos/index.ts';
import { loadConfig } from '../../src/config.ts';
import { initTestDatabase, startCosmosTestServer, TEST_KEY, type CosmosTestServer } from '../support/cosmosServer.ts';
import { describeSnapshotStoreContract } from './snapshotStoreContract.ts';

let server: CosmosTestServer;
beforeAll(async () => {
  server = await startCosmosTestServer();
  await initTestDatabase(server);
});
afterAll(async () => {
  await server?.close();
});

describeSnapshotStoreContract('cosmos (loopback Cosmos DB protocol server)', () =>
  openCosmosSnapshotStore(loadConfig({ EVENT_STORE: 'cosmos', COSMOS_ENDPOINT: server.endpoint, COSMOS_KEY: TEST_KEY })),
);
