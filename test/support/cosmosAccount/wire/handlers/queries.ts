import type { ContainerState, PhysicalPartition, StoredItem } from '../../model/container.ts';
import { inRange } from '../../model/partitioning.ts';
import { QueryError, QuerySpec, runQuery } from '../../model/query.ts';
import { assertSessionAvailable, containerOf, itemHeaders, namedPartition, requestPartitionKey, type Handler, type RequestContext } from '../context.ts';
import { queryCharge } from '../requestCharge.ts';
import { badRequest, type Reply } from '../responses.ts';

// Queries and read feeds of items. A query with a partition key runs in that logical partition; one
// naming a partition key range (as the SDK's cross-partition execution does) runs in that range; one
// with neither runs over every partition here. The service's gateway would instead refuse the
// cross-partition kinds it cannot serve directly (ORDER BY, aggregates over several ranges) and make
// the SDK fetch a query plan: a difference README.md lists. Pages follow x-ms-max-item-count and
// x-ms-continuation ("the intermediate state of query (or read-feed) execution",
// https://learn.microsoft.com/rest/api/cosmos-db/common-cosmosdb-rest-response-headers).

interface Scope {
  items: StoredItem[];
  partitions: PhysicalPartition[];
}

const scopeOf = (context: RequestContext, container: ContainerState): Scope => {
  if (context.headers['x-ms-documentdb-partitionkey'] !== undefined) {
    const { partitionKey, partition } = container.locate(requestPartitionKey(context));
    assertSessionAvailable(context, partition);
    return { items: container.inLogicalPartition(partitionKey), partitions: [partition] };
  }
  const rangeId = context.headers['x-ms-documentdb-partitionkeyrangeid'];
  if (rangeId !== undefined) {
    const partition = namedPartition(container, rangeId);
    assertSessionAvailable(context, partition);
    const range = { minInclusive: context.headers['x-ms-start-epk'] ?? partition.minInclusive, maxExclusive: context.headers['x-ms-end-epk'] ?? partition.maxExclusive };
    return { items: container.inRange(partition).filter((item) => inRange(item.epk, range)), partitions: [partition] };
  }
  for (const partition of container.partitions) assertSessionAvailable(context, partition);
  return { items: container.all(), partitions: container.partitions };
};

const page = (context: RequestContext, spec: QuerySpec): Reply => {
  const container = containerOf(context);
  const scope = scopeOf(context, container);
  try {
    const { results, continuation } = runQuery(
      scope.items.map((item) => item.body),
      spec,
      { maxItemCount: context.headers['x-ms-max-item-count'], continuation: context.headers['x-ms-continuation'] },
    );
    return {
      status: 200,
      charge: queryCharge(results),
      body: { _rid: container.resource._rid, Documents: results, _count: results.length },
      headers: {
        ...itemHeaders(context, container, scope.partitions),
        'x-ms-item-count': String(results.length),
        ...(continuation === undefined ? {} : { 'x-ms-continuation': continuation }),
      },
    };
  } catch (error) {
    if (error instanceof QueryError) return badRequest(error.message);
    throw error;
  }
};

export const queryItems: Handler = (context) => {
  const spec = QuerySpec.safeParse(typeof context.body === 'string' ? { query: context.body } : context.body);
  return spec.success ? page(context, spec.data) : badRequest('The query is missing or malformed.');
};

export const readItemFeed: Handler = (context) => page(context, { query: 'SELECT * FROM c' });

/**
 * The SDK asks the gateway for a query plan beside item queries; this account does not analyze
 * queries, so it answers with the plan of a plain query over the whole key space. The SDK only uses a
 * plan when the gateway refuses to run a query itself, which this account never does.
 */
export const queryPlan: Handler = () => ({
  status: 200,
  charge: 0,
  body: {
    partitionedQueryExecutionInfoVersion: 2,
    queryInfo: {
      distinctType: 'None',
      top: null,
      offset: null,
      limit: null,
      orderBy: [],
      orderByExpressions: [],
      groupByExpressions: [],
      groupByAliases: [],
      aggregates: [],
      groupByAliasToAggregateType: {},
      rewrittenQuery: '',
      hasSelectValue: false,
      dCountInfo: null,
      hasNonStreamingOrderBy: false,
    },
    queryRanges: [{ min: '', max: 'FF', isMinInclusive: true, isMaxInclusive: false }],
  },
});
