import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { CosmosClient } from '@azure/cosmos';
import { containerLayout, eventsContainer, initCosmos, type ContainerLayout } from '../../src/stores/cosmos/containers.ts';
import type { CosmosConnection } from '../../src/stores/cosmos/settings.ts';

// A Cosmos DB protocol server on loopback for tests: the account model and handlers of
// @vercel/cosmosdb-server behind a small request loop of our own, so a test can
//   - see every request the client sends (request budgets),
//   - answer chosen requests with response shapes of the real service (429, 503, a failed batch) or
//     never answer them (timeouts), before or after applying them,
//   - and fill these gaps of that server, here and nowhere in product code:
//     * it advertises https endpoints in its account document even when served over http: rewritten;
//     * its transactional batch has no Patch operation: added, with the filter predicate evaluated
//       against the one document (its own Patch handler evaluates it across all partitions);
//     * it enforces each unique-key path on its own: the test `events` container is created with
//       ["/sequence"], which within a /streamId partition is what the composite key means;
//     * its batches are not atomic (a failing operation leaves the earlier ones applied): kept as is,
//       the contract test of atomicity is skipped by name for it;
//     * its change feed is a stub: nothing here relies on it.

const require = createRequire(import.meta.url);
type Handler = (account: unknown, req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => unknown;
const Account = (require('@vercel/cosmosdb-server/lib/account/index.js') as { default: new (host: string, port: number) => AccountModel }).default;
const route = (require('@vercel/cosmosdb-server/lib/routes.js') as { default: (req: IncomingMessage) => [Record<string, string>, Handler] | undefined }).default;
const documentOperations = require('@vercel/cosmosdb-server/lib/handler/_document-operations.js') as Record<
  'createOperation' | 'upsertOperation' | 'readOperation' | 'deleteOperation' | 'replaceOperation',
  (collection: CollectionModel, input: BatchOperation) => OperationResult
>;
const { patchOperation } = require('@vercel/cosmosdb-server/lib/handler/_patch-operations.js') as {
  patchOperation: (collection: CollectionModel, input: Record<string, unknown>) => OperationResult;
};
const query = (require('@zeit/cosmosdb-query') as { default: (sql: string) => { exec: (items: unknown[]) => { result: unknown[] } } }).default;

interface AccountModel {
  read(): Record<string, unknown>;
  database(id: string): { collection(id: string): CollectionModel };
}
interface CollectionModel {
  read(): unknown;
  document(id: string, partition: unknown): { read(): Record<string, unknown> | undefined };
}
interface BatchOperation {
  operationType: string;
  id?: string;
  ifMatch?: string;
  partitionKey?: string;
  resourceBody?: Record<string, unknown> & { operations?: unknown[]; condition?: string };
}
interface OperationResult {
  statusCode: number;
  body?: Record<string, unknown> & { _etag?: string };
}

export const TEST_KEY = 'dGVzdC1rZXktZm9yLXRoZS1sb29wYmFjay1zZXJ2ZXI=';

/** A request as the server received it. */
export interface ReceivedRequest {
  method: string;
  path: string;
  kind: 'batch' | 'query' | 'queryPlan' | 'document' | 'metadata';
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** What to do with an intercepted request instead of (or after) serving it. */
export type Interception =
  /** Answer with this response; the request is not applied. */
  | { respond: { status: number; headers?: Record<string, string>; body?: unknown } }
  /** Never answer (the client times out); `apply: true` applies the request first, as a server that lost its reply. */
  | { hang: { apply: boolean } };

/** May be async: a test can make the state change it wants (a concurrent writer) before answering. */
export type Interceptor = (request: ReceivedRequest) => Interception | undefined | Promise<Interception | undefined>;

export interface CosmosTestServer {
  endpoint: string;
  connection: CosmosConnection;
  /** Every request received, in order. */
  readonly requests: ReceivedRequest[];
  /** Adds an interceptor (first added, first asked); returns its removal. */
  intercept(interceptor: Interceptor): () => void;
  close(): Promise<void>;
}

const kindOf = (req: IncomingMessage, path: string): ReceivedRequest['kind'] => {
  if (req.headers['x-ms-cosmos-is-query-plan-request'] !== undefined) return 'queryPlan';
  if (String(req.headers['x-ms-cosmos-is-batch-request']).toLowerCase() === 'true') return 'batch';
  if (String(req.headers['x-ms-documentdb-isquery']).toLowerCase() === 'true') return 'query';
  return /\/docs(\/|$)/.test(path) ? 'document' : 'metadata';
};

const partitionOf = (header: string | string[] | undefined): unknown => {
  const value: unknown = JSON.parse(String(header ?? '[]'));
  return Array.isArray(value) ? value[0] : value;
};

/** Patch with the filter predicate checked against the patched document alone. */
const patchInPartition = (collection: CollectionModel, partition: unknown, operation: BatchOperation): OperationResult => {
  const current = collection.document(operation.id ?? '', partition).read();
  if (current === undefined) return { statusCode: 404, body: { code: 'NotFound', message: 'Entity with the specified id does not exist in the system.' } };
  const condition = operation.resourceBody?.condition;
  if (condition !== undefined && query(`SELECT * ${condition}`).exec([current]).result.length === 0)
    return { statusCode: 412, body: { code: 'PreconditionFailed', message: 'Operation cannot be performed because one of the specified precondition is not met.' } };
  const operations = Array.isArray(operation.resourceBody) ? operation.resourceBody : operation.resourceBody?.operations;
  return patchOperation(collection, { id: operation.id, partitionKey: JSON.stringify([partition]), ifMatch: operation.ifMatch, operations });
};

/** The server's batch, with Patch added; still sequential and not atomic (see above). */
const batch = (account: AccountModel, params: Record<string, string>, headers: IncomingMessage['headers'], operations: BatchOperation[]) => {
  const collection = account.database(params.dbId!).collection(params.collId!);
  if (!collection.read()) return { status: 404, body: {} };
  const partition = partitionOf(headers['x-ms-documentdb-partitionkey']);
  const withPartition = (operation: BatchOperation): BatchOperation => ({ ...operation, partitionKey: operation.partitionKey ?? JSON.stringify([partition]) });
  let failed = false;
  const results = operations.map((operation) => {
    if (failed) return { statusCode: 424, requestCharge: 0 };
    let result: OperationResult;
    switch (operation.operationType) {
      case 'Patch':
        result = patchInPartition(collection, partition, operation);
        break;
      case 'Create':
      case 'Upsert':
      case 'Read':
      case 'Delete':
      case 'Replace':
        result = documentOperations[`${operation.operationType.toLowerCase()}Operation` as 'createOperation'](collection, withPartition(operation));
        break;
      default:
        return { statusCode: 400, requestCharge: 0 };
    }
    failed = result.statusCode >= 400;
    return failed
      ? { statusCode: result.statusCode, requestCharge: 0 }
      : { statusCode: result.statusCode, requestCharge: 1, eTag: result.body?._etag, resourceBody: result.body };
  });
  return { status: 200, body: results };
};

/** Rewrites the account's advertised endpoints to the scheme it is served over. */
const overHttp = (account: Record<string, unknown>): Record<string, unknown> =>
  JSON.parse(JSON.stringify(account).replaceAll('"https://', '"http://')) as Record<string, unknown>;

const readBody = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/** Starts the server on 127.0.0.1 at a port of its own, over http (so no certificate is involved). */
export const startCosmosTestServer = async (): Promise<CosmosTestServer> => {
  const interceptors: Interceptor[] = [];
  const requests: ReceivedRequest[] = [];
  const hanging = new Set<ServerResponse>();
  let account: AccountModel;

  const send = (res: ServerResponse, req: IncomingMessage, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.statusCode = status;
    const etag = (body as { _etag?: unknown } | undefined)?._etag;
    if (typeof etag === 'string') res.setHeader('etag', etag);
    res.setHeader('content-type', 'application/json');
    res.setHeader('x-ms-activity-id', randomUUID());
    res.setHeader('x-ms-request-charge', '1');
    res.setHeader('x-ms-session-token', '0:1#1');
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    // Change feed: a stub that never has changes.
    if (req.headers['a-im'] !== undefined && status === 200) {
      if (req.headers['if-none-match'] !== undefined) res.statusCode = 304;
      res.setHeader('etag', '1');
    }
    res.end(body === undefined ? '' : JSON.stringify(body));
  };

  /** Applies a request to the account and produces the response the server would give. */
  const serve = async (req: IncomingMessage, raw: Buffer, received: ReceivedRequest): Promise<{ status: number; body: unknown; headers: Record<string, string> }> => {
    if (req.method === 'GET' && (received.path === '/' || received.path === '')) return { status: 200, body: overHttp(account.read()), headers: {} };
    const matched = route(req);
    if (matched === undefined) return { status: 400, body: { message: 'no route' }, headers: {} };
    const [params, handler] = matched;
    if (received.kind === 'batch') return { ...batch(account, params, req.headers, received.body as BatchOperation[]), headers: {} };
    if (req.method === 'PATCH') {
      const collection = account.database(params.dbId!).collection(params.collId!);
      const result = patchInPartition(collection, partitionOf(req.headers['x-ms-documentdb-partitionkey']), {
        operationType: 'Patch',
        id: params.docId,
        ifMatch: req.headers['if-match'] as string | undefined,
        resourceBody: received.body as BatchOperation['resourceBody'],
      });
      return { status: result.statusCode, body: result.body ?? {}, headers: {} };
    }
    // The handlers read the body from the request stream: give them a fresh one.
    const replay = Object.assign(Readable.from(raw.length > 0 ? [raw] : []), { headers: req.headers, url: req.url, method: req.method });
    const headers: Record<string, string> = {};
    const capture = {
      statusCode: 200,
      setHeader: (name: string, value: string) => void (headers[name.toLowerCase()] = value),
    };
    try {
      const body = await handler(account, replay as unknown as IncomingMessage, capture as unknown as ServerResponse, params);
      return { status: capture.statusCode, body: capture.statusCode > 399 ? { message: '', ...(body as object) } : body, headers };
    } catch (error) {
      return { status: 500, body: { message: (error as Error).message }, headers };
    }
  };

  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/^\/\//, '/').replace(/\/+$/, '') || '/';
      let body: unknown;
      try {
        body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
      } catch {
        body = raw.toString('utf8');
      }
      const received: ReceivedRequest = { method: req.method ?? 'GET', path, kind: kindOf(req, path), headers: req.headers, body };
      requests.push(received);
      let interception: Interception | undefined;
      for (const interceptor of [...interceptors]) {
        interception = await interceptor(received);
        if (interception !== undefined) break;
      }
      if (interception !== undefined && 'respond' in interception) {
        const { status, headers, body: answer } = interception.respond;
        return send(res, req, status, answer, headers);
      }
      if (interception !== undefined && 'hang' in interception) {
        if (interception.hang.apply) await serve(req, raw, received);
        hanging.add(res);
        return;
      }
      const { status, body: answer, headers } = await serve(req, raw, received);
      send(res, req, status, answer, headers);
    })().catch((error: unknown) => {
      if (!res.headersSent) send(res, req, 500, { message: String(error) });
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  account = new Account('127.0.0.1', port);
  const endpoint = `http://127.0.0.1:${port}`;

  return {
    endpoint,
    connection: { endpoint, auth: { kind: 'key', key: TEST_KEY } },
    requests,
    intercept: (interceptor) => {
      interceptors.push(interceptor);
      return () => {
        const at = interceptors.indexOf(interceptor);
        if (at >= 0) interceptors.splice(at, 1);
      };
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

/** The product's layout, with the events unique key as this server can enforce it (see above). */
export const testServerLayout: ContainerLayout = {
  ...containerLayout,
  events: containerLayout.events.map((definition) =>
    definition === eventsContainer ? { ...definition, uniqueKeyPolicy: { uniqueKeys: [{ paths: ['/sequence'] }] } } : definition,
  ),
};

/** Creates the database and containers on the server with the product's `init`. */
export const initTestDatabase = async (server: CosmosTestServer, database = 'eventlog'): Promise<void> => {
  const client = new CosmosClient({ endpoint: server.endpoint, key: TEST_KEY });
  try {
    await initCosmos({ events: client, views: client }, database, testServerLayout);
  } finally {
    client.dispose();
  }
};

/** Interceptor helper: intercepts the first `count` requests that match, then lets them through. */
export const times = (
  count: number,
  matches: (request: ReceivedRequest) => boolean,
  interception: Interception | (() => Promise<Interception>),
): Interceptor => {
  let left = count;
  return (request) => {
    if (left <= 0 || !matches(request)) return undefined;
    left--; // before any await, so requests the interception itself causes pass through
    return typeof interception === 'function' ? interception() : interception;
  };
};

export const isBatch = (request: ReceivedRequest): boolean => request.kind === 'batch';

/**
 * Response shapes of the real service for what the test server cannot produce. Status, headers the SDK
 * acts on and body structure follow Azure Cosmos DB's REST responses; messages are abridged.
 */
export const serviceResponses = {
  /** Request rate too large: nothing was executed; the SDK waits `x-ms-retry-after-ms` and retries. */
  throttled: (retryAfterMs: number): Interception => ({
    respond: {
      status: 429,
      headers: { 'x-ms-retry-after-ms': String(retryAfterMs), 'x-ms-substatus': '3200', 'x-ms-request-charge': '0' },
      body: {
        code: 'TooManyRequests',
        message: 'Message: {"Errors":["Request rate is large. More Request Units may be needed, so no changes were made. Please retry this request later."]}',
      },
    },
  }),
  serviceUnavailable: (): Interception => ({
    respond: {
      status: 503,
      headers: { 'x-ms-request-charge': '0' },
      body: { code: 'ServiceUnavailable', message: 'Message: {"Errors":["The service is currently unavailable."]}' },
    },
  }),
  /**
   * A transactional batch that failed: HTTP 207, the failing operation with its own status and every
   * other one 424 (Failed Dependency); nothing of it was applied.
   */
  failedBatch: (statuses: number[]): Interception => ({
    respond: {
      status: 207,
      headers: { 'x-ms-request-charge': '1.24' },
      body: statuses.map((statusCode) => ({ statusCode, requestCharge: statusCode === 424 ? 0 : 1.24 })),
    },
  }),
};

/** A server with the database created, and the settings that point an app at it. */
export const startCosmosForApp = async (): Promise<{ server: CosmosTestServer; env: Record<string, string>; close: () => Promise<void> }> => {
  const server = await startCosmosTestServer();
  await initTestDatabase(server);
  return { server, env: { COSMOS_ENDPOINT: server.endpoint, COSMOS_KEY: TEST_KEY }, close: () => server.close() };
};
