import { resolve } from 'node:path';
import { routeTable } from '../api/routes.ts';
import { openApp } from '../app/openApp.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { explorerRoutes } from '../explorer/routes.ts';
import { productApp } from '../product.ts';
import { jsonLogger } from '../telemetry/logger.ts';
import { telemetryPlan } from '../telemetry/config.ts';
import { startTelemetry } from '../telemetry/sdk.ts';
import { ListenError, startLocalHost } from './server.ts';
import { stopOnSignals } from './shutdown.ts';

const main = async (): Promise<void> => {
  let config, plan;
  try {
    config = loadConfig(process.env);
    plan = telemetryPlan(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = jsonLogger({ region: config.REGION });
  const telemetry = await startTelemetry(plan, { region: config.REGION, logger });
  const app = await openApp(config, productApp(config), { logger, telemetry });
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
    process.stderr.write(`eventlog: ${error.message}\n`);
    await app.close();
    await telemetry?.shutdown();
    process.exit(1);
  });

  const where = config.EVENT_STORE === 'sqlite' ? `data in ${resolve(config.DATA_DIR)}` : `store ${config.EVENT_STORE}`;
  process.stdout.write(`eventlog ${app.services.version} listening on ${host.url}/api (region ${config.REGION}, ${where})\n`);
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

await main();
