import { routeTable } from '../../src/api/routes.ts';
import { createApp } from '../../src/app/createApp.ts';
import type { AppModule } from '../../src/app/module.ts';
import { openApp, type EventLogApp } from '../../src/app/openApp.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger, type Logger } from '../../src/core/index.ts';
import { startLocalHost, type LocalHost } from '../../src/local/server.ts';
import { productModules } from '../../src/product.ts';
import { shoppingCartRoutes } from './routes.ts';
import { shoppingCartSummaryProjection } from './summaryProjection.ts';

export interface ShoppingCartHost {
  url: string;
  app: EventLogApp;
  host: LocalHost;
  close(): Promise<void>;
}

/** The cart as a module of the app: its command route and its summary view. */
export const shoppingCartModule: AppModule = {
  name: 'shopping-cart',
  routes: shoppingCartRoutes,
  projections: [shoppingCartSummaryProjection],
};

/** The product's local host with the cart module added: same config, same machinery. */
export const startShoppingCartHost = async (env: Record<string, string | undefined>, logger: Logger = silentLogger): Promise<ShoppingCartHost> => {
  const config = loadConfig(env);
  const app = await openApp(config, createApp([...productModules(config), shoppingCartModule]), { logger });
  app.start();
  const host = await startLocalHost({
    routes: routeTable(app.definition.routes),
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
