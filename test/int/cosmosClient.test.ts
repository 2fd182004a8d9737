import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { CosmosEventStore } from '../../src/stores/cosmos/cosmosEventStore.ts';
import { cosmosSettingsFrom } from '../../src/stores/cosmos/settings.ts';
import { initAccountDatabase, startCosmosAccount, TEST_KEY, type CosmosTestAccount } from '../support/cosmosAccount/index.ts';

describe('Cosmos DB settings', () => {
  it('use key auth for COSMOS_ENDPOINT + COSMOS_KEY and keep views in the same account', () => {
    const settings = cosmosSettingsFrom(loadConfig({ EVENT_STORE: 'cosmos', COSMOS_ENDPOINT: 'https://127.0.0.1:8081', COSMOS_KEY: 'k', REGION: 'westeurope' }));
    expect(settings).toEqual({
      events: { endpoint: 'https://127.0.0.1:8081', auth: { kind: 'key', key: 'k' } },
      views: { endpoint: 'https://127.0.0.1:8081', auth: { kind: 'key', key: 'k' } },
      database: 'eventlog',
      region: 'westeurope',
      preferredLocations: ['westeurope'],
    });
  });

  it('use the app identity for COSMOS__accountEndpoint, and VIEWS__accountEndpoint for the region-local views', () => {
    const settings = cosmosSettingsFrom(
      loadConfig({ EVENT_STORE: 'cosmos', COSMOS__accountEndpoint: 'https://log.documents.azure.com', VIEWS__accountEndpoint: 'https://views-weu.documents.azure.com', COSMOS_DATABASE: 'prod' }),
    );
    expect(settings.events).toEqual({ endpoint: 'https://log.documents.azure.com', auth: { kind: 'identity' } });
    expect(settings.views).toEqual({ endpoint: 'https://views-weu.documents.azure.com', auth: { kind: 'identity' } });
    expect(settings.database).toBe('prod');
  });

  it('use key auth for VIEWS_ENDPOINT + VIEWS_KEY: a region-local views account of an emulator or a test account', () => {
    const settings = cosmosSettingsFrom(
      loadConfig({ EVENT_STORE: 'cosmos', COSMOS_ENDPOINT: 'https://127.0.0.1:8081', COSMOS_KEY: 'k', VIEWS_ENDPOINT: 'https://127.0.0.1:8082', VIEWS_KEY: 'v', REGION: 'northeurope' }),
    );
    expect(settings.events).toEqual({ endpoint: 'https://127.0.0.1:8081', auth: { kind: 'key', key: 'k' } });
    expect(settings.views).toEqual({ endpoint: 'https://127.0.0.1:8082', auth: { kind: 'key', key: 'v' } });
  });

  it('refuse key auth and identity at once, naming the variables', () => {
    expect(() => loadConfig({ EVENT_STORE: 'cosmos', COSMOS_ENDPOINT: 'https://127.0.0.1:8081', COSMOS_KEY: 'k', COSMOS__accountEndpoint: 'https://log.documents.azure.com' })).toThrow(
      new ConfigError('Invalid configuration: COSMOS_ENDPOINT and COSMOS__accountEndpoint are both set: use one (key auth for an emulator, identity in Azure) (got "https://127.0.0.1:8081")'),
    );
  });
});

describe('preferred locations', () => {
  // A test account with two regions, each on its own endpoint: the SDK discovers them from the account
  // document and routes reads by preferredLocations.
  let account: CosmosTestAccount;
  beforeAll(async () => {
    account = await startCosmosAccount({ regions: ['westeurope', 'northeurope'] });
    await initAccountDatabase(account);
  });
  afterAll(async () => {
    await account?.close();
  });

  const readsGoTo = async (region: string): Promise<string[]> => {
    const store = await CosmosEventStore.open({ connection: { endpoint: account.endpoint, auth: { kind: 'key', key: TEST_KEY } }, database: 'eventlog', region });
    try {
      const before = account.requests.length;
      await store.readStream({ aggregateType: 'Order', aggregateId: `pl-${region}` }, { fromVersion: 1, limit: 10 });
      const displayName = new Map(account.regions.map((r) => [r.name, r.displayName]));
      return account.requests.slice(before).filter((r) => r.kind === 'query').map((r) => displayName.get(r.region)!);
    } finally {
      await store.close();
    }
  };

  it('send reads to the replica REGION names, given as the Azure location name', async () => {
    expect(new Set(await readsGoTo('northeurope'))).toEqual(new Set(['North Europe']));
    expect(new Set(await readsGoTo('westeurope'))).toEqual(new Set(['West Europe']));
  });
});
