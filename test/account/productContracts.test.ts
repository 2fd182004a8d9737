import { beforeAll } from 'vitest';
import { CosmosEventStore } from '../../src/stores/cosmos/cosmosEventStore.ts';
import { openCosmosProjectionStorage } from '../../src/stores/cosmos/projectionStorage.ts';
import { describeEventStoreContract } from '../contract/eventStoreContract.ts';
import { describeViewStoreContract } from '../contract/viewStoreContract.ts';
import { initAccountDatabase } from '../support/cosmosAccount/index.ts';
import { useAccount } from './accountFixture.ts';

// The product's own contract suites on the test account, with the product's real container layout:
// what the account must get right for the product (atomic batches, the composite unique key, Patch
// with a predicate in a batch) is exercised the way the product uses it. Only the global log is
// skipped: Cosmos DB has no order across partitions.

const fixture = useAccount();
beforeAll(() => initAccountDatabase(fixture.account));

describeEventStoreContract(
  'cosmos (test account)',
  () => CosmosEventStore.open({ connection: fixture.account.connection, database: 'eventlog', region: 'local' }),
  { skip: { globalLog: 'Cosmos DB has no order across partitions: consumers read the change feed, not a global log' } },
);

describeViewStoreContract('cosmos (test account)', () => openCosmosProjectionStorage({ connection: fixture.account.connection, database: 'eventlog', region: 'local' }));
