import { productApp } from './product.ts';
import { runLocalHost } from './local/run.ts';

// `npm start`: the product (the reference domain) on the local host.
await runLocalHost((config) => productApp(config));
