import type { PluginConfig } from '@azure/cosmos';
import { requestKindOf } from './requestMeter.ts';

/**
 * The JS SDK starts a gateway query-plan request beside every item query, and only awaits it when the
 * gateway answers that the query needs one (cross-partition work). Every query of this store names its
 * partition key, so the plan is never used: this plugin answers it locally instead of sending it, which
 * halves the requests per read. Should a query ever need a plan, the SDK rethrows this error, so the
 * failure is loud, not silent.
 */
export const skipQueryPlansOfSinglePartitionQueries: PluginConfig = {
  on: 'request',
  plugin: async (context, _diagnostics, next) => {
    if (requestKindOf(context) === 'queryPlan' && (context.options as { partitionKey?: unknown } | undefined)?.partitionKey !== undefined)
      throw Object.assign(new Error('query plan not fetched: the query is scoped to one partition key'), { code: 'QueryPlanNotFetched' });
    return next(context);
  },
};
