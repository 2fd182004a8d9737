import type { PluginConfig, RequestContext } from '@azure/cosmos';

/** What a request was for: reading or writing documents, the SDK's own metadata, or a query plan. */
export type RequestKind = 'data' | 'metadata' | 'queryPlan';

export interface RequestTotals {
  /** Network requests sent, retries included. */
  requests: number;
  byKind: Record<RequestKind, number>;
  /** Request units charged, as the service reported them (`x-ms-request-charge`). */
  requestCharge: number;
}

const QUERY_PLAN_HEADER = 'x-ms-cosmos-is-query-plan-request';
const REQUEST_CHARGE_HEADER = 'x-ms-request-charge';

export const requestKindOf = (context: RequestContext): RequestKind => {
  if (context.headers?.[QUERY_PLAN_HEADER] !== undefined) return 'queryPlan';
  return context.resourceType === 'docs' ? 'data' : 'metadata';
};

const chargeOf = (headers: Record<string, unknown> | undefined): number => {
  const value = Number(headers?.[REQUEST_CHARGE_HEADER] ?? 0);
  return Number.isFinite(value) ? value : 0;
};

/**
 * Counts what a client sends, per network request (the SDK's retries count too), and the request
 * units the service charges: the figures behind the request budgets in docs/cosmos.md.
 */
export class RequestMeter {
  private totals: RequestTotals = { requests: 0, byKind: { data: 0, metadata: 0, queryPlan: 0 }, requestCharge: 0 };

  readonly plugin: PluginConfig = {
    on: 'request',
    plugin: async (context, _diagnostics, next) => {
      const kind = requestKindOf(context);
      this.totals.requests++;
      this.totals.byKind[kind]++;
      try {
        const response = await next(context);
        this.totals.requestCharge += chargeOf(response.headers);
        return response;
      } catch (error) {
        this.totals.requestCharge += chargeOf((error as { headers?: Record<string, unknown> }).headers);
        throw error;
      }
    },
  };

  snapshot(): RequestTotals {
    return { ...this.totals, byKind: { ...this.totals.byKind } };
  }

  /** What was sent since an earlier snapshot. */
  since(earlier: RequestTotals): RequestTotals {
    const now = this.snapshot();
    return {
      requests: now.requests - earlier.requests,
      byKind: {
        data: now.byKind.data - earlier.byKind.data,
        metadata: now.byKind.metadata - earlier.byKind.metadata,
        queryPlan: now.byKind.queryPlan - earlier.byKind.queryPlan,
      },
      requestCharge: Math.round((now.requestCharge - earlier.requestCharge) * 100) / 100,
    };
  }
}
