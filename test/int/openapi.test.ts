import { randomUUID } from 'node:crypto';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeConsistencyToken } from '../../src/core/index.ts';
import { startTestServer, type TestServer } from '../support/http.ts';
import { productRoutes } from '../support/productRoutes.ts';

// Real answers of the running local host, checked against the document it serves, by an independent
// validator (Ajv, JSON Schema 2020-12): status documented, content type documented, body valid.

interface MediaType {
  schema: unknown;
}
interface Operation {
  operationId: string;
  responses: Record<string, { content?: Record<string, MediaType> }>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, unknown>;
}

const API_KEY = 'openapi-api-key';
const ADMIN_KEY = 'openapi-admin-key';

let server: TestServer;
let document: OpenApiDocument;
let ajv: Ajv2020;
const validators = new Map<string, ValidateFunction>();
const exercised = new Set<string>();

/** The operation whose path template matches a concrete path, e.g. /streams/{aggregateType}/{aggregateId}. */
const operationFor = (method: string, path: string): { template: string; operation: Operation } => {
  for (const [template, item] of Object.entries(document.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    const operation = item[method.toLowerCase()];
    if (pattern.test(path) && operation !== undefined) return { template, operation };
  }
  throw new Error(`the document has no operation for ${method} ${path}`);
};

const validatorFor = (key: string, schema: unknown): ValidateFunction => {
  let validate = validators.get(key);
  if (validate === undefined) {
    validate = ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi.json#/components/')));
    validators.set(key, validate);
  }
  return validate;
};

/** Sends a request and checks the answer against the document; returns it for the test's own checks. */
const call = async (method: string, path: string, init: { body?: unknown; rawBody?: string; headers?: Record<string, string>; key?: string | null } = {}) => {
  const headers: Record<string, string> = { ...init.headers };
  const key = init.key === undefined ? ADMIN_KEY : init.key;
  if (key !== null) headers['x-functions-key'] = key;
  if (init.body !== undefined || init.rawBody !== undefined) headers['content-type'] = 'application/json';
  const response = await server.request(`/api${path}`, {
    method,
    headers,
    body: init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
  const text = await response.text();
  const body = text === '' ? undefined : (JSON.parse(text) as unknown);

  const { template, operation } = operationFor(method, path.split('?')[0]!);
  const documented = operation.responses[String(response.status)];
  expect(documented, `${method} ${template} answered ${response.status}, which the document does not list`).toBeDefined();
  const contentType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
  const media = documented!.content?.[contentType];
  expect(media, `${method} ${template} ${response.status} answered ${contentType}, which the document does not list`).toBeDefined();
  const validate = validatorFor(`${operation.operationId} ${response.status} ${contentType}`, media!.schema);
  expect(validate(body) ? [] : validate.errors, `${method} ${template} ${response.status} body`).toEqual([]);
  exercised.add(operation.operationId);
  return { status: response.status, headers: response.headers, body: body as Record<string, unknown> };
};

beforeAll(async () => {
  server = await startTestServer({ API_KEY, ADMIN_KEY });
  document = (await (await server.request('/api/openapi.json')).json()) as OpenApiDocument;
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema({ $id: 'openapi.json', components: document.components });
});

afterAll(async () => {
  await server.close();
});

const stream = () => `/streams/Order/openapi-${randomUUID().slice(0, 8)}`;

describe('answers of the local host match the OpenAPI document it serves', () => {
  it('health and the document itself', async () => {
    expect((await call('GET', '/health', { key: null })).status).toBe(200);
    expect((await call('GET', '/openapi.json', { key: null })).body.openapi).toBe('3.1.0');
    expect((await call('GET', '/', { key: null })).body.openapi).toBe('/api/openapi.json');
    expect((await call('GET', '/streams/Order-42', { key: null })).body.streamPath).toBe('/api/streams/Order/42');
  });

  it('appends: created, replayed, conflicting, reused key, invalid, too large, unauthorized', async () => {
    const path = `${stream()}/events`;
    const events = [{ type: 'OrderPlaced', data: { total: 3 }, metadata: { correlationId: 'c-1' } }];
    const created = await call('POST', path, { body: { expectedVersion: 'no_stream', events }, headers: { 'idempotency-key': 'k1' }, key: API_KEY });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    const replayed = await call('POST', path, { body: { expectedVersion: 'no_stream', events }, headers: { 'idempotency-key': 'k1' } });
    expect([replayed.status, replayed.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
    expect((await call('POST', path, { body: { expectedVersion: 0, events } })).status).toBe(409);
    expect((await call('POST', path, { body: { events: [{ type: 'Other', data: {} }] }, headers: { 'idempotency-key': 'k1' } })).status).toBe(422);
    const invalid = await call('POST', path, { body: { events: [], expectedVersion: -1 } });
    expect(invalid.status).toBe(400);
    expect((invalid.body.errors as unknown[]).length).toBeGreaterThan(0);
    expect((await call('POST', path, { rawBody: '{not json' })).status).toBe(400);
    expect((await call('POST', path, { rawBody: JSON.stringify({ events: [{ type: 'Big', data: { blob: 'x'.repeat(1_100_000) } }] }) })).status).toBe(413);
    expect((await call('POST', path, { body: { events }, key: null })).status).toBe(401);
  });

  it('reads: pages, time travel, stream info, absent streams and bad queries', async () => {
    const base = stream();
    await call('POST', `${base}/events`, { body: { events: [1, 2, 3].map((n) => ({ type: 'ItemAdded', data: { n } })) } });
    const page = await call('GET', `${base}/events?limit=2`);
    expect([page.status, typeof page.body.continuationToken]).toEqual([200, 'string']);
    expect((await call('GET', `${base}/events?asOf=2000-01-01T00:00:00Z`)).status).toBe(404);
    expect((await call('GET', `${base}/events?limit=0&fromVersion=x`)).status).toBe(400);
    expect((await call('GET', base)).status).toBe(200);
    expect((await call('GET', stream())).status).toBe(404);
    expect((await call('GET', `${stream()}/events`)).status).toBe(404);
    expect((await call('GET', '/streams/9bad/x/events')).status).toBe(400);
  });

  it('views: read-your-writes, absent, not caught up, invalid', async () => {
    const path = `${stream()}/events`;
    const appended = await call('POST', path, { body: { events: [{ type: 'OrderPlaced', data: {} }] } });
    const streamId = appended.body.streamId as string;
    const view = await call('GET', `/views/stream/${streamId}?atLeast=${appended.body.consistencyToken as string}&wait=10000`);
    expect(view.status).toBe(200);
    expect((await call('GET', '/views/stream/Order-absent-view')).status).toBe(404);
    const ahead = encodeConsistencyToken({ streamId, sequence: 99 });
    const behind = await call('GET', `/views/stream/${streamId}?atLeast=${ahead}&wait=1`);
    expect([behind.status, behind.body.type, behind.headers.get('retry-after')]).toEqual([503, 'view-not-caught-up', '1']);
    expect((await call('GET', `/views/stream/${streamId}?wait=99999999`)).status).toBe(400);
  });

  it('projections: listing, rebuild, resume, unknown names and keys', async () => {
    const list = await call('GET', '/projections', { key: API_KEY });
    expect((list.body.projections as { name: string }[]).map((p) => p.name)).toContain('stream');
    expect((await call('POST', '/projections/stream/rebuild')).status).toBe(202);
    expect((await call('POST', '/projections/stream/resume?skip=false')).status).toBe(202);
    expect((await call('POST', '/projections/no-such-projection/rebuild')).status).toBe(404);
    expect((await call('POST', '/projections/stream/resume?skip=maybe')).status).toBe(400);
    expect((await call('POST', '/projections/stream/rebuild', { key: API_KEY })).status).toBe(401);
  });

  it('every route answers a malformed request as documented', async () => {
    // Path parameters no route accepts, and an empty object as the body: each route's own validation answers.
    for (const route of productRoutes) {
      const path = `/${route.route.replace(/\{[A-Za-z]+:maxlength\(0\)\?\}/g, '').replace(/\{\*?[^}]+\}/g, '~~')}`;
      await call(route.method, path, route.method === 'GET' || route.method === 'DELETE' ? {} : { body: {} });
    }
  });

  it('every route of the table was exercised above', () => {
    expect([...exercised].sort()).toEqual(productRoutes.map((route) => route.name).sort());
  });
});
