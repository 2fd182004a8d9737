import { resolve } from 'node:path';
import { Command } from 'commander';
import type { Config } from '../../config.ts';
import type { CliContext } from '../context.ts';
import { storeConfigFrom, withStoreOptions, type StoreOptions } from '../options.ts';
import { writeLine } from '../output.ts';

// Store modules are loaded when the command runs, so `eventlog --help` and the HTTP commands start fast.

/** Opening the embedded stores creates their files and tables when missing. */
const initSqlite = async (config: Config): Promise<string[]> => {
  const [{ openEventStore }, { openProjectionStorage }] = await Promise.all([
    import('../../stores/openEventStore.ts'),
    import('../../stores/openProjectionStorage.ts'),
  ]);
  const events = await openEventStore(config);
  try {
    await (await openProjectionStorage(config)).close();
  } finally {
    await events.close();
  }
  return [`SQLite log and views ready in ${resolve(config.DATA_DIR)} (region ${config.REGION})`];
};

/** The Cosmos DB database and containers (events, leases, snapshots; views in the views account), created if missing. */
const initCosmosStores = async (config: Config): Promise<string[]> => {
  const [{ acquireCosmosClient }, { initCosmos }, { cosmosSettingsFrom }] = await Promise.all([
    import('../../stores/cosmos/client.ts'),
    import('../../stores/cosmos/containers.ts'),
    import('../../stores/cosmos/settings.ts'),
  ]);
  const settings = cosmosSettingsFrom(config);
  const events = await acquireCosmosClient(settings.events, { region: settings.region });
  const views = await acquireCosmosClient(settings.views, { region: settings.region });
  try {
    const containers = await initCosmos({ events: events.client, views: views.client }, settings.database);
    return containers.map((c) => `${c.created ? 'created' : 'exists '}  ${c.account} account: ${c.database}/${c.container}`);
  } finally {
    events.release();
    views.release();
  }
};

export const initCommand = (context: CliContext): Command =>
  withStoreOptions(new Command('init'))
    .description('create what the configured store needs (SQLite files, or Cosmos DB database and containers); safe to run again')
    .action(async (options: StoreOptions) => {
      const config = storeConfigFrom(options, context.env);
      const report =
        config.EVENT_STORE === 'cosmos'
          ? await initCosmosStores(config)
          : config.EVENT_STORE === 'sqlite'
            ? await initSqlite(config)
            : ['EVENT_STORE=memory: nothing to create (the server keeps events in its process)'];
      for (const line of report) await writeLine(context.stdout, line);
    });
