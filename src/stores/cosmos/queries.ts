import type { Container, SqlQuerySpec } from '@azure/cosmos';

/**
 * Runs a query scoped to one partition and collects up to `maxItems` results. One request in the usual
 * case; the service splits a page only past its response-size limit, and then the continuation is
 * followed (bounded by the item count asked for).
 */
export const queryPartition = async <T>(container: Container, partitionKey: string, query: SqlQuerySpec, maxItems: number): Promise<T[]> => {
  const iterator = container.items.query<T>(query, { partitionKey, maxItemCount: maxItems });
  const items: T[] = [];
  for (let page = 0; page <= maxItems && items.length < maxItems && iterator.hasMoreResults(); page++) {
    const { resources } = await iterator.fetchNext();
    items.push(...resources);
  }
  return items.slice(0, maxItems);
};
