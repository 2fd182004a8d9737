import type { IncomingHttpHeaders } from 'node:http';
import { serviceUnavailable, throttled, type Reply } from './responses.ts';

/** A request as a region received it. */
export interface ReceivedRequest {
  /** The region that served it (the account's global endpoint serves from the write region). */
  region: string;
  /** `regional`: sent to the region's own endpoint; `global`: to the account endpoint. */
  via: 'regional' | 'global';
  method: string;
  path: string;
  /** `batch`: a transactional batch; `bulk`: a non-atomic batch of bulk execution (handlers/bulk.ts). */
  kind: 'batch' | 'bulk' | 'query' | 'queryPlan' | 'changeFeed' | 'document' | 'metadata';
  headers: IncomingHttpHeaders;
  body: unknown;
  /** The status it was answered with, once answered (undefined while pending or never answered). */
  status?: number;
  /** The answer's substatus (`x-ms-substatus`), if any: 1002 ReadSessionNotAvailable, 3 WriteForbidden... */
  substatus?: number;
}

/** What to do with an intercepted request instead of (or after) serving it. */
export type Interception =
  /** Answer with this response; the request is not applied. */
  | { respond: { status: number; headers?: Record<string, string>; body?: unknown } }
  /** Never answer (the client times out); `apply: true` applies the request first: a reply lost after the write. */
  | { hang: { apply: boolean } }
  /** Reset the connection (ECONNRESET at the client); `apply: true` applies the request first. */
  | { reset: { apply: boolean } };

/** May be async: a test can make the state change it wants (a concurrent writer) before answering. */
export type Interceptor = (request: ReceivedRequest) => Interception | undefined | Promise<Interception | undefined>;

export const kindOf = (path: string, headers: IncomingHttpHeaders): ReceivedRequest['kind'] => {
  const flag = (name: string) => String(headers[name]).toLowerCase() === 'true';
  if (headers['x-ms-cosmos-is-query-plan-request'] !== undefined) return 'queryPlan';
  if (flag('x-ms-cosmos-is-batch-request')) return String(headers['x-ms-cosmos-batch-atomic']).toLowerCase() === 'false' ? 'bulk' : 'batch';
  if (flag('x-ms-documentdb-isquery')) return 'query';
  if (headers['a-im'] !== undefined) return 'changeFeed';
  return /\/docs(\/|$)/.test(path) ? 'document' : 'metadata';
};

/** Intercepts the first `count` requests that match, then lets them through. */
export const times = (count: number, matches: (request: ReceivedRequest) => boolean, interception: Interception | (() => Promise<Interception>)): Interceptor => {
  let left = count;
  return (request) => {
    if (left <= 0 || !matches(request)) return undefined;
    left--; // before any await, so requests the interception itself causes pass through
    return typeof interception === 'function' ? interception() : interception;
  };
};

export const isBatch = (request: ReceivedRequest): boolean => request.kind === 'batch';

const respondWith = (reply: Reply): Interception => ({ respond: { status: reply.status, headers: reply.headers, body: reply.body } });

/** Response shapes of the real service, to hand to `intercept` (the account produces them itself too). */
export const serviceResponses = {
  /** Request rate too large: nothing was executed; the SDK waits `x-ms-retry-after-ms` and retries. */
  throttled: (retryAfterMs: number): Interception => respondWith(throttled(retryAfterMs)),
  serviceUnavailable: (): Interception => respondWith(serviceUnavailable()),
  /** A transactional batch that failed: HTTP 207, the failing operation with its status, every other one 424. */
  failedBatch: (statuses: number[]): Interception => ({
    respond: { status: 207, body: statuses.map((statusCode) => ({ statusCode, requestCharge: statusCode === 424 ? 0 : 1.24 })) },
  }),
};
