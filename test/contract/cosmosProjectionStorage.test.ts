import { afterAll, beforeAll } from 'vitest';
import { openCosmosProjectionStorage } from '../../src/stores/cosmos/projectionStorage.ts';
import { initTestDatabase, startCosmosTestServer, type CosmosTestServer } from '../support/cosmosServer.ts';
import { describeViewStoreContract } from './viewStoreContract.ts';

let server: CosmosTestServer;
beforeAll(async () => {
  server = await startCosmosTestServer();
  await initTestDatabase(server);
});
afterAll(async () => {
  await server?.close();
});

describeViewStoreContract('cosmos (loopback Cosmos DB protocol server)', () =>
  openCosmosProjectionStorage({ connection: server.connection, database: 'eventlog', region: 'local' }),
);
