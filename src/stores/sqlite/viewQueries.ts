import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { JsonObject, StoredViewQuery, ViewCondition, ViewFields, ViewFieldType, ViewQueryPage, ViewQueryStore } from '../../core/index.ts';

// Queries over view documents with SQLite's JSON functions. Each declared field gets an expression
// index on (view, json_extract(data, '$.field')), which a query uses because it writes the same
// expression; field names are identifiers (checked where views are defined), so they are spelt into the SQL.

const valueOf = (field: string): string => `json_extract(data, '$.${field}')`;

/** The JSON types a field of this type holds: other values are left out, as Cosmos DB's typed comparisons leave them out. */
const typeCheck = (field: string, type: ViewFieldType): string => {
  const jsonType = `json_type(data, '$.${field}')`;
  if (type === 'number') return `${jsonType} IN ('integer', 'real')`;
  if (type === 'boolean') return `${jsonType} IN ('true', 'false')`;
  return `${jsonType} = 'text'`;
};

const SYMBOL = { eq: '=', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

const bind = (value: string | number | boolean): SQLInputValue => (typeof value === 'boolean' ? (value ? 1 : 0) : value);

const conditionSql = (condition: ViewCondition): string => `${typeCheck(condition.field, condition.type)} AND ${valueOf(condition.field)} ${SYMBOL[condition.op]} ?`;

interface Row {
  key: string;
  data: string;
  updated_at: string;
  sort_value: string | number | null;
}

/**
 * Pages are cut by keyset, never by offset: the continuation holds the last row's sort value and key,
 * and the next page starts after that pair, so a document written meanwhile shifts nothing.
 */
export const sqliteViewQueries = (db: DatabaseSync, guard: <T>(work: () => T) => T): ViewQueryStore => ({
  prepareFields: async (fields: ViewFields) =>
    guard(() => {
      for (const field of Object.keys(fields)) db.exec(`CREATE INDEX IF NOT EXISTS view_field_${field} ON view_documents (view, ${valueOf(field)})`);
    }),
  queryView: async (query: StoredViewQuery): Promise<ViewQueryPage> =>
    guard(() => {
      const clauses = ['view = ?', 'data IS NOT NULL', "json_type(data, '$.deleted') IS NOT 'true'"];
      const params: SQLInputValue[] = [query.view];
      for (const condition of query.where) {
        clauses.push(conditionSql(condition));
        params.push(bind(condition.value));
      }
      const order = query.orderBy;
      const direction = order?.direction === 'desc' ? 'DESC' : 'ASC';
      const sortValue = order === undefined ? 'NULL' : valueOf(order.field);
      if (order !== undefined) clauses.push(typeCheck(order.field, order.type));
      if (query.continuation !== undefined) {
        const [lastValue, lastKey] = JSON.parse(query.continuation) as [string | number | null, string];
        const after = direction === 'ASC' ? '>' : '<';
        if (order === undefined) clauses.push(`key ${after} ?`);
        else clauses.push(`(${sortValue} ${after} ? OR (${sortValue} = ? AND key ${after} ?))`);
        params.push(...(order === undefined ? [lastKey] : [lastValue, lastValue, lastKey]));
      }
      const orderSql = order === undefined ? `key ${direction}` : `${sortValue} ${direction}, key ${direction}`;
      const rows = db
        .prepare(`SELECT key, data, updated_at, ${sortValue} AS sort_value FROM view_documents WHERE ${clauses.join(' AND ')} ORDER BY ${orderSql} LIMIT ?`)
        .all(...params, query.limit + 1) as unknown as Row[];
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      return {
        documents: page.map((row) => ({ key: row.key, data: JSON.parse(row.data) as JsonObject, updatedAt: row.updated_at })),
        ...(rows.length > query.limit && last !== undefined ? { continuation: JSON.stringify([last.sort_value, last.key]) } : {}),
      };
    }),
});
