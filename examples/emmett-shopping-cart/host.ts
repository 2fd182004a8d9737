import { routes } from '../../src/api/routes.ts';
import { openApp, type EventLogApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { startLocalHost, type LocalHost } from '../../src/local/server.ts';
import type { Logger } from '../../src/api/dispatch.ts';
import { silentLogger } from '../../src/logger.ts';
import { projectionCatalog } from '../../src/projections/catalog.ts';
import { shoppingCartRoutes } from './routes.ts';
import { shoppingCartSummaryProjection } from './summaryProjection.ts';

export interface ShoppingCartHost {
  url: string;
  app: EventLogApp;
  host: LocalHost;
  close(): Promise<void>;
}

/** The product's local host with the cart's route and projection added: same config, same machinery. */
export const startShoppingCartHost = async (env: Record<string, string | undefined>, logger: Logger = silentLogger): Promise<ShoppingCartHost> => {
  const config = loadConfig(env);
  const app = await openApp(config, { projections: [...projectionCatalog, shoppingCartSummaryProjection], logger });
  app.startProjections();
  const host = await startLocalHost({
    routes: [...routes, ...shoppingCartRoutes],
    services: app.services,
    keys: { apiKey: config.API_KEY, adminKey: config.ADMIN_KEY },
    port: config.PORT,
    logger,
  });
  return {
    url: host.url,
    app,
    host,
    close: async () => {
      await host.close();
      await app.close();
    },
  };
};
