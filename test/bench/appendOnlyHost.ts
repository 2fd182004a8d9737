// The local host without its projection poller: the benchmark's measure of the HTTP append path on
// its own, beside `src/main.ts` as shipped. Same app, routes and server; projections not started.
import { routeTable } from '../../src/api/routes.ts';
import { openApp } from '../../src/app/openApp.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/core/index.ts';
import { startLocalHost } from '../../src/local/server.ts';
import { productApp } from '../../src/product.ts';

const config = loadConfig(process.env);
const app = await openApp(config, productApp(config), { logger: silentLogger });
const host = await startLocalHost({ routes: routeTable(app.definition.routes), services: app.services, keys: {}, port: config.PORT, logger: silentLogger });
process.stdout.write(`listening on ${host.url}/api\n`);
process.on('SIGINT', () => {
  void host
    .close()
    .then(() => app.close())
    .then(() => process.exit(0));
});
