// A Cosmos DB test account on loopback: see README.md in this folder.
export { startCosmosAccount, TEST_KEY, type AccountRegion, type CosmosAccountOptions, type CosmosTestAccount } from './account.ts';
export { initAccountDatabase, startCosmosAccountForApp } from './appSupport.ts';
export { isBatch, serviceResponses, times, type Interception, type Interceptor, type ReceivedRequest } from './wire/interception.ts';
export { pointReadCharge, queryCharge, readChargeOfBytes, writeCharge } from './wire/requestCharge.ts';
