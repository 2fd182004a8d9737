import type { ProjectionDefinition } from '../core/index.ts';
import { streamProjection } from './streamProjection.ts';
import { domainProjections } from '../domain/projections.ts';

/**
 * Every projection the product runs, in both hosts: the local poller and one change-feed trigger
 * each in Azure. Add a projection here; it catches up from the beginning of the log on first start.
 */
export const projectionCatalog: readonly ProjectionDefinition[] = [streamProjection, ...domainProjections];
