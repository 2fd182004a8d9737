// The local host without its projection poller: the benchmark's measure of the HTTP append path on
// its own, beside `src/local/main.ts` as shipped. Same app, routes and server; projections not started.
import { openApp } from '../../src/app.ts';
import { routes } from '../../src/api/routes.ts';
import { loadConfig } from '../../src/config.ts';
import { startLocalHost } from '../../src/local/server.ts';
import { silentLogger } from '../../src/logger.ts';

const config = loadConfig(process.env);
const app = await openApp(config, { logger: silentLogger });
const host = await startLocalHost({ routes, services: app.services, keys: {}, port: config.PORT, logger: silentLogger });
process.stdout.write(`listening on ${host.url}/api\n`);
process.on('SIGINT', () => {
  void host
    .close()
    .then(() => app.close())
    .then(() => process.exit(0));
});
