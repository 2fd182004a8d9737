import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { newEventId, type PreparedEvent } from '../../src/core/index.ts';
import { openCosmosConflictFeed } from '../../src/reconciliation/cosmosConflictFeed.ts';
import { reconcileConflicts } from '../../src/reconciliation/reconciler.ts';
import { CosmosEventStore } from '../../src/stores/cosmos/cosmosEventStore.ts';
import { cosmosSettingsFrom } from '../../src/stores/cosmos/settings.ts';
import { startCosmosAccountForApp } from '../support/cosmosAccount/index.ts';
import { unique, until } from './accountFixture.ts';

// The product's own contract suites run on the test account in test/contract/cosmos*.test.ts (with the
// product's real container layout: atomic batches, the composite unique key, Patch with a predicate in
// a batch, the way the product uses them).
//
// The product configured from the environment startCosmosAccountForApp hands out (EVENT_STORE=cosmos,
// COSMOS_ENDPOINT, COSMOS_KEY), on a two-region account: a forced failover loses an acknowledged event,
// the old region comes back, and the product's reconciler of the new write region (REGION=northeurope)
// finds it on the real conflicts feed and appends it again.

const event = (type: string): PreparedEvent => ({ id: newEventId(), type, schemaVersion: 1, data: {}, metadata: {} });

describe('the product on the test account', () => {
  it('recovers an event lost in a forced failover from the conflicts feed', async () => {
    const { account, env, close } = await startCosmosAccountForApp({ regions: ['westeurope', 'northeurope'] });
    const west = cosmosSettingsFrom(loadConfig({ ...env, REGION: 'westeurope' }));
    const northConfig = loadConfig({ ...env, REGION: 'northeurope' });
    const north = cosmosSettingsFrom(northConfig);
    const store = await CosmosEventStore.open({ connection: west.events, database: west.database, region: west.region });
    try {
      const stream = { aggregateType: 'Order', aggregateId: unique('o') };
      const [placed, paid] = [event('Placed'), event('Paid')];
      await store.append({ stream, expectedVersion: 'no_stream', events: [placed], region: 'westeurope' });
      await until(() => account.pendingReplication('northeurope') === 0);
      account.setLag('northeurope', 60_000);
      await store.append({ stream, expectedVersion: 1, events: [paid], region: 'westeurope' });

      await account.cut('westeurope');
      account.forcedFailover('northeurope');
      await store.close();
      const northStore = await CosmosEventStore.open({ connection: north.events, database: north.database, region: north.region });
      const opened = await openCosmosConflictFeed(northConfig);
      try {
        expect((await northStore.readStream(stream, { fromVersion: 1, limit: 10 }))?.events.map((e) => e.id)).toEqual([placed.id]);
        await account.heal('westeurope');
        const report = await reconcileConflicts({ feed: opened.feed, store: northStore, region: 'northeurope' });
        expect(report).toMatchObject({ feed: 'cosmos', reappended: 1, failed: 0 });
        expect((await northStore.readStream(stream, { fromVersion: 1, limit: 10 }))?.events.map((e) => e.id)).toEqual([placed.id, paid.id]);
      } finally {
        opened.close();
        await northStore.close();
      }
    } finally {
      await store.close();
      await close();
    }
  });
});
