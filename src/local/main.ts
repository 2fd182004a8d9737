import { resolve } from 'node:path';
import { openApp } from '../app.ts';
import { routes } from '../api/routes.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { jsonLogger } from '../logger.ts';
import { startLocalHost } from './server.ts';

const main = async (): Promise<void> => {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = jsonLogger({ region: config.REGION });
  const app = await openApp(config);
  const host = await startLocalHost({
    routes,
    services: app.services,
    keys: { apiKey: config.API_KEY, adminKey: config.ADMIN_KEY },
    port: config.PORT,
    logger,
  });

  const where = config.EVENT_STORE === 'sqlite' ? `data in ${resolve(config.DATA_DIR)}` : `store ${config.EVENT_STORE}`;
  process.stdout.write(`eventlog ${app.services.version} listening on ${host.url}/api (region ${config.REGION}, ${where})\n`);
  if (config.API_KEY === undefined && config.ADMIN_KEY === undefined)
    logger.warn('API_KEY and ADMIN_KEY are unset: every route is open to anyone who can reach this port');

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: finishing requests in flight and closing the store\n`);
    await host.close();
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
};

await main();
