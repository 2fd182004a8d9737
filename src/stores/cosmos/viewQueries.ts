import type { Container, SqlParameter } from '@azure/cosmos';
import type { JsonObject, StoredViewQuery, ViewCondition, ViewFields, ViewFieldType, ViewQueryPage, ViewQueryStore } from '../../core/index.ts';
import { deadlineOf } from './deadline.ts';
import { mapCosmosErrors } from './errors.ts';

// Queries over view documents: one NoSQL query within the region's `views` container (cross-partition,
// since each document is its own partition), paged by the SDK's continuation token. The container
// leaves `/data/*` out of its index (fewer request units per write), and ORDER BY needs a range index on
// its path (https://learn.microsoft.com/azure/cosmos-db/index-policy), so the view store writes a copy
// of the declared fields under `queryable`, which the container's `/*` indexes, and queries filter and
// sort there. Typed comparisons
// (https://learn.microsoft.com/azure/cosmos-db/nosql/query/equality-comparison-operators: values of
// different types compare as undefined and are left out) give the answers the SQLite store gives with
// json_type.

const TYPE_CHECK: Record<ViewFieldType, string> = { string: 'IS_STRING', date: 'IS_STRING', number: 'IS_NUMBER', boolean: 'IS_BOOL' };
const SYMBOL = { eq: '=', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

const pathOf = (field: string): string => `c.queryable["${field}"]`;

const conditionSql = (condition: ViewCondition, parameter: string): string =>
  `${TYPE_CHECK[condition.type]}(${pathOf(condition.field)}) AND ${pathOf(condition.field)} ${SYMBOL[condition.op]} ${parameter}`;

/** `declare` tells the view store which fields to copy under `queryable` when it writes a document. */
export const cosmosViewQueries = (container: Container, kind: string, declare: (fields: ViewFields) => void = () => {}): ViewQueryStore => ({
  prepareFields: async (fields) => declare(fields),
  queryView: async (query: StoredViewQuery): Promise<ViewQueryPage> => {
    const parameters: SqlParameter[] = [
      { name: '@kind', value: kind },
      { name: '@view', value: query.view },
    ];
    const clauses = ['c.kind = @kind', 'c.view = @view', 'IS_OBJECT(c.data)', '(NOT IS_DEFINED(c.data.deleted) OR c.data.deleted != true)'];
    query.where.forEach((condition, index) => {
      clauses.push(conditionSql(condition, `@p${index}`));
      parameters.push({ name: `@p${index}`, value: condition.value });
    });
    const order = query.orderBy;
    if (order !== undefined) clauses.push(`${TYPE_CHECK[order.type]}(${pathOf(order.field)})`);
    const orderBy = order === undefined ? 'c.key ASC' : `${pathOf(order.field)} ${order.direction === 'desc' ? 'DESC' : 'ASC'}`;
    const text = `SELECT c.key, c.data, c.updatedAt FROM c WHERE ${clauses.join(' AND ')} ORDER BY ${orderBy}`;
    return mapCosmosErrors('query', () =>
      deadlineOf()(async () => {
        const iterator = container.items.query<{ key: string; data: JsonObject; updatedAt: string }>(
          { query: text, parameters },
          { maxItemCount: query.limit, ...(query.continuation === undefined ? {} : { continuationToken: query.continuation }) },
        );
        const page = await iterator.fetchNext();
        return {
          documents: page.resources.map(({ key, data, updatedAt }) => ({ key, data, updatedAt })),
          ...(page.continuationToken ? { continuation: page.continuationToken } : {}),
        };
      }),
    );
  },
});
