import { routeTable } from '../../src/api/routes.ts';
import { loadConfig } from '../../src/config.ts';
import { productApp } from '../../src/product.ts';

/** The product's route table as a host serves it (its routes do not depend on settings). */
export const productRoutes = routeTable(productApp(loadConfig({})).routes);
