import { resolve } from 'node:path';
import { routeTable } from '../api/routes.ts';
import { definitionOf, type AppSource } from '../app/createApp.ts';
import { openApp } from '../app/openApp.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { explorerRoutes } from '../explorer/routes.ts';
import { jsonLogger } from '../telemetry/logger.ts';
import { telemetryPlan } from '../telemetry/config.ts';
import { startTelemetry } from '../telemetry/sdk.ts';
import { ListenError, startLocalHost } from './server.ts';
import { stopOnSignals } from './shutdown.ts';

// `npm start` of any app, the product's or a team's: configuration from the environment (a bad
// setting is one line and exit code 2), the app on the configured store with its consumers and
// timers, the HTTP API and the stream explorer on PORT, and a clean stop on SIGINT/SIGTERM.

export interface LocalHostRunOptions {
  /** The first word of the start line (default `eventlog`). */
  name?: string;
  env?: Record<string, string | undefined>;
}

/** Serves the app until the process is asked to stop. */
export const runLocalHost = async (source: AppSource, options: LocalHostRunOptions = {}): Promise<void> => {
  const env = options.env ?? process.env;
  const name = options.name ?? 'eventlog';
  let config, plan;
  try {
    config = loadConfig(env);
    plan = telemetryPlan(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = jsonLogger({ region: config.REGION });
  const telemetry = await startTelemetry(plan, { region: config.REGION, logger });
  const app = await openApp(config, definitionOf(source, config), { logger, telemetry });
  app.start();
  // The stream explorer is a page of the local host only.
  const localRoutes = routeTable([...app.definition.routes, ...explorerRoutes]);
  const host = await startLocalHost({
    routes: telemetry?.instrumentRoutes(localRoutes) ?? localRoutes,
    services: app.services,
    keys: { apiKey: config.API_KEY, adminKey: config.ADMIN_KEY },
    port: config.PORT,
    host: config.HOST,
    logger,
  }).catch(async (error: unknown) => {
    if (!(error instanceof ListenError)) throw error;
    process.stderr.write(`${name}: ${error.message}\n`);
    await app.close();
    await telemetry?.shutdown();
    process.exit(1);
  });

  const where = config.EVENT_STORE === 'sqlite' ? `data in ${resolve(config.DATA_DIR)}` : `store ${config.EVENT_STORE}`;
  const label = name === 'eventlog' ? `eventlog ${app.services.version}` : `${name} (eventlog ${app.services.version})`;
  process.stdout.write(`${label} listening on ${host.url}/api (region ${config.REGION}, ${where})\n`);
  process.stdout.write(`stream explorer: ${host.url}/api/explorer/\n`);
  if (config.API_KEY === undefined && config.ADMIN_KEY === undefined)
    logger.warn('API_KEY and ADMIN_KEY are unset: every route is open to anyone who can reach this port');

  stopOnSignals(async (signal) => {
    process.stdout.write(`${signal}: finishing requests in flight and closing the store\n`);
    await host.close();
    await app.close();
    await telemetry?.shutdown();
  });
};
