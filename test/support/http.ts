import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

export const tempDir = (prefix = 'eventlog-test-'): string => mkdtempSync(join(tmpdir(), prefix));

export interface TestServer {
  url: string;
  app: EventLogApp;
  host: LocalHost;
  dataDir: string;
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

/** Starts the local host in-process on a loopback port of its own, over a fresh data directory, with its log follower. */
export const startTestServer = async (env: Record<string, string> = {}, options: TestServerOptions = {}): Promise<TestServer> => {
  const dataDir = env.DATA_DIR ?? tempDir();
  // EVENTLOG_TEST_STORE=cosmos runs a suite on a loopback Cosmos DB protocol server started here.
  const store = env.EVENT_STORE ?? process.env.EVENTLOG_TEST_STORE ?? 'sqlite';
  const cosmos = store === 'cosmos' && env.COSMOS_ENDPOINT === undefined ? await (await import('./cosmosServer.ts')).startCosmosForApp() : undefined;
  const config = loadConfig({ PORT: '0', ...cosmos?.env, ...env, EVENT_STORE: store, DATA_DIR: dataDir });
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
    request: (path, init) => fetch(host.url + path, init),
    close: async () => {
      await host.close();
      await app.close();
      await cosmos?.close();
      if (env.DATA_DIR === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
};

export const postJson = (server: TestServer, path: string, body: unknown, headers: Record<string, string> = {}) =>
  server.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
