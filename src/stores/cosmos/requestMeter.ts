import type { PluginConfig, RequestContext } from '@azure/cosmos';

/** What a request was for: reading or writing documents, the SDK's own metadata, or a query plan. */
export type RequestKind = 'data' | 'metadata' | 'queryPlan';

/**
 * The operation a request carried, as Cosmos DB charges it: point operations by their verb, queries,
 * change feed pages, transactional batches, bulk (non-atomic) batches, query plans and metadata.
 */
export type CosmosOperation =
  | 'read'
  | 'create'
  | 'replace'
  | 'upsert'
  | 'patch'
  | 'delete'
  | 'query'
  | 'changeFeed'
  | 'batch'
  | 'bulk'
  | 'queryPlan'
  | 'metadata';

/** Requests and request units of one operation on one container (`-` for the account's own resources). */
export interface OperationCharge {
  operation: CosmosOperation;
  container: string;
  requests: number;
  requestCharge: number;
}

export interface RequestTotals {
  /** Network requests sent, retries included. */
  requests: number;
  byKind: Record<RequestKind, number>;
  /** Request units charged, as the service reported them (`x-ms-request-charge`). */
  requestCharge: number;
  /** The same requests and units by operation and container. */
  byOperation: OperationCharge[];
}

const QUERY_PLAN_HEADER = 'x-ms-cosmos-is-query-plan-request';
const BATCH_HEADER = 'x-ms-cosmos-is-batch-request';
/** false on the batches of bulk execution: each operation stands alone (see viewStore.ts). */
const ATOMIC_BATCH_HEADER = 'x-ms-cosmos-batch-atomic';
/** Set on change feed reads ("Incremental feed" for the latest version mode). */
const CHANGE_FEED_HEADER = 'A-IM';
const REQUEST_CHARGE_HEADER = 'x-ms-request-charge';

export const requestKindOf = (context: RequestContext): RequestKind => {
  if (context.headers?.[QUERY_PLAN_HEADER] !== undefined) return 'queryPlan';
  return context.resourceType === 'docs' ? 'data' : 'metadata';
};

const VERBS = new Set<CosmosOperation>(['read', 'create', 'replace', 'upsert', 'patch', 'delete', 'query']);

export const operationOf = (context: RequestContext): CosmosOperation => {
  const kind = requestKindOf(context);
  if (kind !== 'data') return kind;
  const headers = context.headers ?? {};
  if (headers[BATCH_HEADER] !== undefined) return String(headers[ATOMIC_BATCH_HEADER]) === 'false' ? 'bulk' : 'batch';
  if (headers[CHANGE_FEED_HEADER] !== undefined) return 'changeFeed';
  const verb = context.operationType as CosmosOperation | undefined;
  return verb !== undefined && VERBS.has(verb) ? verb : 'read';
};

/** The container a request addresses (`dbs/{db}/colls/{container}/...`), `-` for the account and databases. */
export const containerOf = (context: RequestContext): string => /(?:^|\/)colls\/([^/]+)/.exec(context.path ?? '')?.[1] ?? '-';

const chargeOf = (headers: Record<string, unknown> | undefined): number => {
  const value = Number(headers?.[REQUEST_CHARGE_HEADER] ?? 0);
  return Number.isFinite(value) ? value : 0;
};

const round = (charge: number): number => Math.round(charge * 100) / 100;
const keyOf = (operation: string, container: string): string => `${operation}\u0000${container}`;

/**
 * Counts what a client sends, per network request (the SDK's retries count too), and the request
 * units the service charges (`x-ms-request-charge`, throttled and failed requests included), in total
 * and by operation and container: the figures behind the request budgets in docs/cosmos.md and the
 * `eventlog.cosmos.request_charge` metric (docs/telemetry.md).
 */
export class RequestMeter {
  private requests = 0;
  private requestCharge = 0;
  private readonly byKind: Record<RequestKind, number> = { data: 0, metadata: 0, queryPlan: 0 };
  private readonly byOperation = new Map<string, OperationCharge>();

  readonly plugin: PluginConfig = {
    on: 'request',
    plugin: async (context, _diagnostics, next) => {
      const entry = this.entryOf(operationOf(context), containerOf(context));
      this.requests++;
      this.byKind[requestKindOf(context)]++;
      entry.requests++;
      let headers: Record<string, unknown> | undefined;
      try {
        const response = await next(context);
        headers = response.headers;
        return response;
      } catch (error) {
        headers = (error as { headers?: Record<string, unknown> }).headers;
        throw error;
      } finally {
        const charge = chargeOf(headers);
        this.requestCharge += charge;
        entry.requestCharge += charge;
      }
    },
  };

  private entryOf(operation: CosmosOperation, container: string): OperationCharge {
    const key = keyOf(operation, container);
    let entry = this.byOperation.get(key);
    if (entry === undefined) this.byOperation.set(key, (entry = { operation, container, requests: 0, requestCharge: 0 }));
    return entry;
  }

  snapshot(): RequestTotals {
    return {
      requests: this.requests,
      byKind: { ...this.byKind },
      requestCharge: this.requestCharge,
      byOperation: [...this.byOperation.values()].map((entry) => ({ ...entry })),
    };
  }

  /** What was sent since an earlier snapshot (operations with no request since are left out). */
  since(earlier: RequestTotals): RequestTotals {
    const now = this.snapshot();
    const before = new Map(earlier.byOperation.map((entry) => [keyOf(entry.operation, entry.container), entry]));
    return {
      requests: now.requests - earlier.requests,
      byKind: {
        data: now.byKind.data - earlier.byKind.data,
        metadata: now.byKind.metadata - earlier.byKind.metadata,
        queryPlan: now.byKind.queryPlan - earlier.byKind.queryPlan,
      },
      requestCharge: round(now.requestCharge - earlier.requestCharge),
      byOperation: now.byOperation
        .map((entry) => {
          const then = before.get(keyOf(entry.operation, entry.container));
          return { ...entry, requests: entry.requests - (then?.requests ?? 0), requestCharge: round(entry.requestCharge - (then?.requestCharge ?? 0)) };
        })
        .filter((entry) => entry.requests > 0),
    };
  }
}
