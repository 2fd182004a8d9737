import { z } from 'zod';
import { ValidationError, type FieldError } from './errors.ts';
import type { JsonObject } from './envelope.ts';

// Queries over a view's documents: equality and ranges on top-level fields of `data` that the view
// declares (`fields`), ordered by one of them, paged by an opaque continuation. The declaration is what
// each store indexes (SQLite expression indexes, Cosmos DB included paths), so a query only ever
// filters and sorts on indexed fields.

/** How a declared field is compared: dates are ISO-8601 UTC strings (as `Date#toISOString` writes them), so they sort as text. */
export const ViewFieldType = z.enum(['string', 'number', 'date', 'boolean']);
export type ViewFieldType = z.infer<typeof ViewFieldType>;

/** A field a view may be filtered and sorted on: a top-level key of its documents' `data`. */
export const ViewFieldName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'must be a letter or _, then letters, digits and _ (at most 64)');

export type ViewFields = Readonly<Record<string, ViewFieldType>>;

export type ComparisonOperator = 'eq' | 'gt' | 'gte' | 'lt' | 'lte';

export interface ViewCondition {
  field: string;
  type: ViewFieldType;
  op: ComparisonOperator;
  value: string | number | boolean;
}

export interface ViewOrder {
  field: string;
  type: ViewFieldType;
  direction: 'asc' | 'desc';
}

/** A query as a store runs it: against one stored view name (a generation), documents that are not absent. */
export interface StoredViewQuery {
  /** Stored view name, `{view}@{generation}`. */
  view: string;
  where: readonly ViewCondition[];
  orderBy?: ViewOrder;
  limit: number;
  /** The store's continuation from the previous page. */
  continuation?: string;
}

export interface ViewQueryRow {
  key: string;
  data: JsonObject;
  updatedAt: string;
}

export interface ViewQueryPage {
  documents: ViewQueryRow[];
  /** Present when more documents may follow. */
  continuation?: string;
}

/**
 * Queries over view documents, beside the ViewStore of the same storage. Every adapter leaves out
 * deleted documents (tombstones and `deleted: true`), and with `orderBy` the documents that lack the
 * field or hold another type there, so every store answers the same documents for one query.
 */
export interface ViewQueryStore {
  /** Makes the indexes the declared fields need (idempotent); stores that index by policy may do nothing. */
  prepareFields(fields: ViewFields): Promise<void>;
  queryView(query: StoredViewQuery): Promise<ViewQueryPage>;
}

const OPERATORS: ReadonlyArray<[string, ComparisonOperator]> = [
  ['>=', 'gte'],
  ['<=', 'lte'],
  ['>', 'gt'],
  ['<', 'lt'],
  [':', 'eq'],
];

/** Splits `a:1,b:"x,y"` at commas outside double quotes. */
const splitConditions = (text: string): string[] => {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    if (char === ',' && !quoted) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts;
};

const unquote = (value: string): string => (value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value);

/** A value of the field's type, or the message saying why not. */
const valueOf = (type: ViewFieldType, raw: string): { value: string | number | boolean } | { error: string } => {
  const text = unquote(raw);
  switch (type) {
    case 'string':
      return { value: text };
    case 'number': {
      const value = Number(text);
      return text.trim() !== '' && Number.isFinite(value) ? { value } : { error: `"${text}" is not a number` };
    }
    case 'boolean':
      return text === 'true' || text === 'false' ? { value: text === 'true' } : { error: `"${text}" is not true or false` };
    case 'date': {
      const parsed = z.iso.datetime({ offset: true }).safeParse(text);
      return parsed.success ? { value: new Date(text).toISOString() } : { error: `"${text}" is not an ISO-8601 date-time (e.g. 2025-01-02T03:04:05Z)` };
    }
  }
};

const knownFields = (fields: ViewFields): string =>
  Object.keys(fields).length === 0 ? 'this view declares no queryable fields' : `this view can be queried on ${Object.keys(fields).join(', ')}`;

/**
 * `where=status:active,votes>=3,createdAt<2025-01-01T00:00:00Z`: conditions joined by commas (AND),
 * `:` for equality, `> >= < <=` for ranges on numbers and dates. A string value holding a comma goes in
 * double quotes. Every problem is a 400 naming the field (`query.where.votes`).
 */
export const parseWhere = (text: string | undefined, fields: ViewFields): ViewCondition[] => {
  if (text === undefined || text === '') return [];
  const conditions: ViewCondition[] = [];
  const errors: FieldError[] = [];
  for (const part of splitConditions(text)) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)(>=|<=|>|<|:)(.*)$/s.exec(part.trim());
    if (match === null) {
      errors.push({ path: 'query.where', message: `"${part}" is not a condition: write field:value, or field>value, >=, <, <= for numbers and dates` });
      continue;
    }
    const [, field, symbol, raw] = match as unknown as [string, string, string, string];
    const path = `query.where.${field}`;
    const type = Object.hasOwn(fields, field) ? fields[field] : undefined;
    if (type === undefined) {
      errors.push({ path, message: `unknown field "${field}": ${knownFields(fields)}` });
      continue;
    }
    const op = OPERATORS.find(([s]) => s === symbol)![1];
    if (op !== 'eq' && type !== 'number' && type !== 'date') {
      errors.push({ path, message: `ranges apply to number and date fields; "${field}" is a ${type} field: use ${field}:value` });
      continue;
    }
    const value = valueOf(type, raw);
    if ('error' in value) errors.push({ path, message: value.error });
    else conditions.push({ field, type, op, value: value.value });
  }
  if (errors.length > 0) throw new ValidationError(errors);
  return conditions;
};

/** `orderBy=votes` or `orderBy=votes:desc` (`:asc` is the default). */
export const parseOrderBy = (text: string | undefined, fields: ViewFields): ViewOrder | undefined => {
  if (text === undefined || text === '') return undefined;
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?::(asc|desc))?$/.exec(text);
  if (match === null) throw new ValidationError([{ path: 'query.orderBy', message: `"${text}" is not field, field:asc or field:desc` }]);
  const field = match[1]!;
  const type = Object.hasOwn(fields, field) ? fields[field] : undefined;
  if (type === undefined) throw new ValidationError([{ path: `query.orderBy.${field}`, message: `unknown field "${field}": ${knownFields(fields)}` }]);
  return { field, type, direction: match[2] === 'desc' ? 'desc' : 'asc' };
};

/** Field names of a declaration that are not valid, for the projection's definition-time check. */
export const invalidFieldNames = (fields: ViewFields): string[] => Object.keys(fields).filter((name) => !ViewFieldName.safeParse(name).success);

/** The value a document holds in a field, if it has the field's type there (what every store compares). */
export const typedFieldValue = (data: JsonObject, field: string, type: ViewFieldType): string | number | boolean | undefined => {
  const value = Object.hasOwn(data, field) ? data[field] : undefined;
  if (type === 'number') return typeof value === 'number' ? value : undefined;
  if (type === 'boolean') return typeof value === 'boolean' ? value : undefined;
  return typeof value === 'string' ? value : undefined;
};

export interface ViewListRequest {
  /** `where` as the client wrote it. */
  where?: string;
  orderBy?: string;
  limit: number;
  continuationToken?: string;
}

export interface ViewListPage {
  view: string;
  region: string;
  documents: ViewQueryRow[];
  continuationToken?: string;
}

/** Queries over this region's views, as the route uses them. */
export interface ViewQueryService {
  list(view: string, request: ViewListRequest): Promise<ViewListPage>;
}
