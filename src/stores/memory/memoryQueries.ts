import {
  isAbsentView,
  typedFieldValue,
  type StoredViewDocument,
  type StoredViewQuery,
  type ViewCondition,
  type ViewQueryPage,
  type ViewQueryStore,
} from '../../core/index.ts';

// Queries and consumer groups of the memory storage: the same answers as the SQLite and Cosmos DB
// adapters give (the contract suites run the same cases), computed over the documents in memory.

type Scalar = string | number | boolean;

const compare = (a: Scalar | string, b: Scalar | string): number => (a < b ? -1 : a > b ? 1 : 0);

const holds = (data: Record<string, unknown>, condition: ViewCondition): boolean => {
  const value = typedFieldValue(data, condition.field, condition.type);
  if (value === undefined) return false;
  const order = compare(value, condition.value);
  return { eq: order === 0, gt: order > 0, gte: order >= 0, lt: order < 0, lte: order <= 0 }[condition.op];
};

export const memoryViewQueries = (documents: () => StoredViewDocument[]): ViewQueryStore => ({
  prepareFields: async () => {},
  queryView: async (query: StoredViewQuery): Promise<ViewQueryPage> => {
    const order = query.orderBy;
    const sign = order?.direction === 'desc' ? -1 : 1;
    const sortOf = (data: Record<string, unknown>): Scalar | undefined => (order === undefined ? '' : typedFieldValue(data, order.field, order.type));
    const rows = documents()
      .filter((d) => d.view === query.view && !isAbsentView(d.data) && query.where.every((c) => holds(d.data!, c)) && sortOf(d.data!) !== undefined)
      .map((d) => ({ key: d.key, data: d.data!, updatedAt: d.updatedAt, sort: sortOf(d.data!)! }))
      .sort((a, b) => sign * (compare(a.sort, b.sort) || compare(a.key, b.key)));
    const after = query.continuation === undefined ? undefined : (JSON.parse(query.continuation) as [Scalar, string]);
    const rest = after === undefined ? rows : rows.filter((r) => sign * (compare(r.sort, after[0]) || compare(r.key, after[1])) > 0);
    const page = rest.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      documents: page.map(({ key, data, updatedAt }) => ({ key, data, updatedAt })),
      ...(rest.length > query.limit && last !== undefined ? { continuation: JSON.stringify([last.sort, last.key]) } : {}),
    };
  },
});
