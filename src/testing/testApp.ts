import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { routeTable } from '../api/routes.ts';
import { definitionOf, type AppSource } from '../app/createApp.ts';
import { openApp, type EventLogApp } from '../app/openApp.ts';
import { loadConfig, type Config } from '../config.ts';
import { silentLogger } from '../core/logger.ts';
import { startLocalHost } from '../local/server.ts';
import { waitForView, type ViewAnswer, type WaitForViewOptions } from './waitForView.ts';

// An app for HTTP-level tests: the in-memory store, its projections and reactors running, served on a
// loopback port of its own, and a scratch DATA_DIR (the outbox mailer writes there) removed at close.

export interface TestApp {
  /** `http://127.0.0.1:{port}`: routes are below `/api`. */
  url: string;
  config: Config;
  app: EventLogApp;
  /** `DATA_DIR` of this app: `outbox/` holds the mail the outbox mailer wrote. */
  dataDir: string;
  /** fetch relative to the host: `request('/api/health')`. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** POSTs a JSON body; answers the status and the parsed body. */
  post<Body = Record<string, unknown>>(path: string, body?: unknown): Promise<{ status: number; body: Body }>;
  /** Reads a view once the write of `consistencyToken` is applied to it (see `waitForView`). */
  waitForView<Data = Record<string, unknown>>(view: string, key: string, consistencyToken: string, options?: WaitForViewOptions): Promise<ViewAnswer<Data>>;
  close(): Promise<void>;
}

/**
 * Starts the app on the in-memory store. `env` sets configuration as the
 * environment would (`{ REACTORS_ENABLED: 'false' }`); the store is always `memory`, the port its own.
 */
export const startTestApp = async (source: AppSource, env: Record<string, string> = {}): Promise<TestApp> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'eventlog-app-'));
  const config = loadConfig({ DATA_DIR: dataDir, ...env, EVENT_STORE: 'memory', PORT: '0', HOST: '127.0.0.1' });
  const app = await openApp(config, definitionOf(source, config));
  app.start();
  const host = await startLocalHost({
    routes: routeTable(app.definition.routes),
    services: app.services,
    keys: { apiKey: config.API_KEY, adminKey: config.ADMIN_KEY },
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger,
  });
  const request = (path: string, init?: RequestInit): Promise<Response> => fetch(host.url + path, init);
  return {
    url: host.url,
    config,
    app,
    dataDir,
    request,
    post: async <Body>(path: string, body?: unknown) => {
      const response = await request(path, {
        method: 'POST',
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as Body };
    },
    waitForView: (view, key, token, options) => waitForView(host.url, view, key, token, options),
    close: async () => {
      await host.close();
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
};
