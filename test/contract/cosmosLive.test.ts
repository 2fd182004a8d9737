import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { newEventId, type PreparedEvent, type StreamRef } from '../../src/core/index.ts';
import { acquireCosmosClient } from '../../src/stores/cosmos/client.ts';
import { initCosmos } from '../../src/stores/cosmos/containers.ts';
import { CosmosEventStore } from '../../src/stores/cosmos/cosmosEventStore.ts';
import { openCosmosSnapshotStore } from '../../src/stores/cosmos/index.ts';
import { openCosmosProjectionStorage } from '../../src/stores/cosmos/projectionStorage.ts';
import { cosmosSettingsFrom, type CosmosSettings } from '../../src/stores/cosmos/settings.ts';
import { describeEventStoreContract } from './eventStoreContract.ts';
import { describeSnapshotStoreContract } from './snapshotStoreContract.ts';
import { describeViewStoreContract } from './viewStoreContract.ts';

// `npm run test:cosmos`: the contract suites against a real Cosmos DB emulator or account, with the
// real unique key and atomic batches. Opt-in (it uses the network and an account), so `npm test` skips
// it with the reason. For the emulator's self-signed certificate, trust it with NODE_EXTRA_CA_CERTS.

const optedIn = process.env.EVENTLOG_COSMOS_LIVE === '1';
const configured = process.env.COSMOS_ENDPOINT !== undefined || process.env.COSMOS__accountEndpoint !== undefined;
const skipReason = !optedIn
  ? 'runs only with npm run test:cosmos (EVENTLOG_COSMOS_LIVE=1)'
  : !configured
    ? 'no Cosmos DB configured: set COSMOS_ENDPOINT and COSMOS_KEY (emulator) or COSMOS__accountEndpoint (identity)'
    : undefined;

if (skipReason !== undefined) {
  describe('Cosmos DB contract against a real emulator or account', () => {
    it.skip(`skipped: ${skipReason}`, () => {});
  });
  console.info(`Cosmos DB live contract skipped: ${skipReason}`);
} else {
  const config = loadConfig({ ...process.env, EVENT_STORE: 'cosmos', COSMOS_DATABASE: process.env.COSMOS_DATABASE ?? 'eventlog-contract' });
  const settings: CosmosSettings = cosmosSettingsFrom(config);

  beforeAll(async () => {
    const events = await acquireCosmosClient(settings.events, { region: settings.region });
    const views = await acquireCosmosClient(settings.views, { region: settings.region });
    try {
      await initCosmos({ events: events.client, views: views.client }, settings.database);
    } finally {
      events.release();
      views.release();
    }
  }, 120_000);

  const openStore = () => CosmosEventStore.open({ connection: settings.events, database: settings.database, region: settings.region });

  describeEventStoreContract(`cosmos (${settings.events.endpoint})`, openStore, {
    skip: { globalLog: 'Cosmos DB has no order across partitions: consumers read the change feed, not a global log' },
  });
  describeViewStoreContract(`cosmos (${settings.views.endpoint})`, () =>
    openCosmosProjectionStorage({ connection: settings.views, database: settings.database, region: settings.region }),
  );
  describeSnapshotStoreContract(`cosmos (${settings.events.endpoint})`, () => openCosmosSnapshotStore(config));

  describe('request budgets and request units on the real service', () => {
    let store: CosmosEventStore;
    beforeAll(async () => {
      store = await openStore();
      await store.ping();
    });
    afterAll(async () => {
      await store?.close();
    });

    const event = (): PreparedEvent => ({ id: newEventId(), type: 'Measured', schemaVersion: 1, data: { text: 'x'.repeat(200) }, metadata: {} });
    const measure = async (label: string, work: () => Promise<unknown>) => {
      const before = store.meter.snapshot();
      await work();
      const spent = store.meter.since(before);
      console.info(`${label}: ${spent.requests} request(s), ${spent.requestCharge} RU`);
      return spent;
    };

    it('append with a known version, read of a page: one request each; prints the request units', async () => {
      const stream: StreamRef = { aggregateType: 'Budget', aggregateId: `b${Date.now()}` };
      const region = settings.region;
      expect((await measure('create a stream with 1 event', () => store.append({ stream, expectedVersion: 'no_stream', events: [event()], region }))).requests).toBe(1);
      expect((await measure('append 1 event at a known version', () => store.append({ stream, expectedVersion: 1, events: [event()], region }))).requests).toBe(1);
      const ten = Array.from({ length: 10 }, event);
      expect((await measure('append 10 events at a known version', () => store.append({ stream, expectedVersion: 2, events: ten, region }))).requests).toBe(1);
      await measure('append 1 event with "any"', () => store.append({ stream, expectedVersion: 'any', events: [event()], region }));
      expect((await measure('read 13 events', () => store.readStream(stream, { fromVersion: 1, limit: 100 }))).requests).toBe(1);
      await measure('stream info', () => store.getStreamInfo(stream));
    });
  });
}
