import { ConfigError } from '../../src/config.ts';
import { jsonLogger } from '../../src/telemetry/logger.ts';
import { startShoppingCartHost } from './host.ts';

// `node examples/emmett-shopping-cart/main.ts`: the product's configuration variables apply (PORT, DATA_DIR, API_KEY...).
try {
  const running = await startShoppingCartHost(process.env, jsonLogger());
  process.stdout.write(`shopping cart example listening on ${running.url}/api\n`);
  const stop = () => void running.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
