import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { routeTable } from '../../src/api/routes.ts';
import { createApp } from '../../src/app/createApp.ts';
import type { AppModule } from '../../src/app/module.ts';
import type { ApiServices } from '../../src/api/services.ts';
import type { Route } from '../../src/api/types.ts';
import { openApp, type EventLogApp, type OpenAppOptions } from '../../src/app/openApp.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { silentLogger, type ProjectionDefinition } from '../../src/core/index.ts';
import { startLocalHost, type LocalHost } from '../../src/local/server.ts';
import { productModules } from '../../src/product.ts';
import type { CosmosTestAccount } from './cosmosAccount/index.ts';

export const tempDir = (prefix = 'eventlog-test-'): string => mkdtempSync(join(tmpdir(), prefix));

export interface TestServer {
  url: string;
  app: EventLogApp;
  host: LocalHost;
  dataDir: string;
  /** On a Cosmos DB test account (EVENTLOG_TEST_STORE=cosmos): the account of the log, and the one of this region's views. */
  cosmos?: { account: CosmosTestAccount; views: CosmosTestAccount };
  /** fetch relative to the server's base URL, e.g. `/api/health`. */
  request(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export interface TestServerOptions extends OpenAppOptions {
  /** The app's modules; default: the product's (the reference domain). */
  modules?: (config: Config) => AppModule[];
  /** Routes the host serves beside the app's (the local host's explorer routes). */
  extraRoutes?: readonly Route<ApiServices>[];
}

/** Modules for a test that runs only the built-in `stream` projection and these. */
export const onlyProjections =
  (...projections: ProjectionDefinition[]) =>
  (): AppModule[] => [{ name: 'test', projections }];

/** The store HTTP suites run on: `sqlite`, or `cosmos` with EVENTLOG_TEST_STORE=cosmos (test/int/cosmosHttp.test.ts). */
export const testStore = (): string => process.env.EVENTLOG_TEST_STORE ?? 'sqlite';

/**
 * `lag` of a consumer that has caught up: events behind the head of the embedded log (0), and `null` on
 * Cosmos DB, whose change feed has no global position to measure it against (docs/projections.md).
 */
export const caughtUpLag = (): 0 | null => (testStore() === 'cosmos' ? null : 0);

type AppAccount = Awaited<ReturnType<typeof import('./cosmosAccount/index.ts')['startCosmosAccountForApp']>>;
const startAccount = async (): Promise<AppAccount> => (await import('./cosmosAccount/index.ts')).startCosmosAccountForApp();

/**
 * Test accounts of servers given a DATA_DIR. On the embedded store, servers sharing a data directory
 * share its log (a restart, several regions' hosts) and each region keeps its views in a file of its
 * own there. On Cosmos DB they share an account for the log, and each region gets a views account of
 * its own (VIEWS_ENDPOINT), as each Azure region has. They live until the test file ends.
 */
const sharedAccounts = new Map<string, Promise<AppAccount>>();
const sharedAccount = (key: string): Promise<AppAccount> => {
  if (!sharedAccounts.has(key)) sharedAccounts.set(key, startAccount());
  return sharedAccounts.get(key)!;
};
if (testStore() === 'cosmos')
  afterAll(async () => {
    const accounts = await Promise.all(sharedAccounts.values());
    sharedAccounts.clear();
    await Promise.all(accounts.map((account) => account.close()));
  });

/** Starts the local host in-process on a loopback port of its own, over a fresh data directory, with its log follower. */
export const startTestServer = async (env: Record<string, string> = {}, options: TestServerOptions = {}): Promise<TestServer> => {
  const dataDir = env.DATA_DIR ?? tempDir();
  // EVENTLOG_TEST_STORE=cosmos runs a suite on a Cosmos DB test account (test/support/cosmosAccount)
  // started here: one of its own, or the ones of its data directory.
  const store = env.EVENT_STORE ?? testStore();
  let cosmos: TestServer['cosmos'];
  let cosmosEnv: Record<string, string> = {};
  let owned: AppAccount | undefined;
  if (store === 'cosmos' && env.COSMOS_ENDPOINT === undefined) {
    if (env.DATA_DIR === undefined) {
      owned = await startAccount();
      cosmos = { account: owned.account, views: owned.account };
      cosmosEnv = owned.env;
    } else {
      const [log, views] = await Promise.all([sharedAccount(dataDir), sharedAccount(`${dataDir}|views|${env.REGION ?? 'local'}`)]);
      cosmos = { account: log.account, views: views.account };
      cosmosEnv = { ...log.env, VIEWS_ENDPOINT: views.account.endpoint, VIEWS_KEY: views.account.key };
    }
  }
  const config = loadConfig({ PORT: '0', ...cosmosEnv, ...env, EVENT_STORE: store, DATA_DIR: dataDir });
  const { modules = productModules, extraRoutes = [], ...openOptions } = options;
  const app = await openApp(config, createApp(modules(config)), openOptions);
  app.start();
  const host = await startLocalHost({
    routes: routeTable([...app.definition.routes, ...extraRoutes]),
    services: app.services,
    keys: { apiKey: config.API_KEY, adminKey: config.ADMIN_KEY },
    port: 0,
    logger: silentLogger,
  });
  return {
    url: host.url,
    app,
    host,
    dataDir,
    ...(cosmos === undefined ? {} : { cosmos }),
    request: (path, init) => fetch(host.url + path, init),
    close: async () => {
      await host.close();
      await app.close();
      await owned?.close();
      if (env.DATA_DIR === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
};

export const postJson = (server: TestServer, path: string, body: unknown, headers: Record<string, string> = {}) =>
  server.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
