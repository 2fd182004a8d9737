import { createRequire } from 'node:module';
import { z } from 'zod';
import type { JsonObject } from './json.ts';

// The NoSQL query language is evaluated by @zeit/cosmosdb-query (the query engine of
// @vercel/cosmosdb-server, a direct dev dependency: docs/decisions.md): a compiled query runs over a list of
// items, with parameters, TOP, ORDER BY, VALUE and the built-in functions, and pages with its own
// continuation token.

const require = createRequire(import.meta.url);
interface CompiledQuery {
  exec(items: JsonObject[], options: { parameters?: QueryParameter[]; maxItemCount?: number; continuation?: { token: string } }): {
    result: unknown[];
    continuation?: { token: string } | null;
  };
}
const engine = require('@zeit/cosmosdb-query') as { default: (sql: string) => CompiledQuery; SyntaxError: new (...args: never[]) => Error };

export const QueryParameter = z.object({ name: z.string(), value: z.unknown() });
export type QueryParameter = z.infer<typeof QueryParameter>;

/** The body of a query request (`application/query+json`). */
export const QuerySpec = z.object({ query: z.string().min(1), parameters: z.array(QueryParameter).optional() });
export type QuerySpec = z.infer<typeof QuerySpec>;

/** A query the service would refuse with 400 Bad Request (syntax, unknown function, bad continuation). */
export class QueryError extends Error {}

const compiled = new Map<string, CompiledQuery>();
/** Compiling is the slow part; the product sends the same few query texts over and over. */
const compile = (sql: string): CompiledQuery => {
  let query = compiled.get(sql);
  if (query === undefined) {
    try {
      query = engine.default(sql);
    } catch (error) {
      throw new QueryError(`Syntax error: ${(error as Error).message}`);
    }
    if (compiled.size > 500) compiled.clear();
    compiled.set(sql, query);
  }
  return query;
};

export interface QueryPage {
  results: unknown[];
  /** Present when more results remain: the value of `x-ms-continuation` for the next page. */
  continuation?: string;
}

const parseContinuation = (continuation: string | undefined): { token: string } | undefined => {
  if (continuation === undefined) return undefined;
  try {
    return z.object({ token: z.string() }).parse(JSON.parse(continuation));
  } catch {
    throw new QueryError('Invalid continuation token');
  }
};

export const runQuery = (items: JsonObject[], spec: QuerySpec, page: { maxItemCount?: number; continuation?: string }): QueryPage => {
  const query = compile(spec.query);
  try {
    const { result, continuation } = query.exec(items, {
      parameters: spec.parameters,
      maxItemCount: page.maxItemCount !== undefined && page.maxItemCount > 0 ? page.maxItemCount : undefined,
      continuation: parseContinuation(page.continuation),
    });
    return { results: result, continuation: continuation ? JSON.stringify(continuation) : undefined };
  } catch (error) {
    if (error instanceof QueryError) throw error;
    throw new QueryError((error as Error).message);
  }
};

/** True when the item passes a filter predicate such as `from c where c.version = 3`. */
export const matchesFilter = (item: JsonObject, predicate: string): boolean =>
  runQuery([item], { query: `SELECT VALUE 1 ${predicate}` }, {}).results.length > 0;
