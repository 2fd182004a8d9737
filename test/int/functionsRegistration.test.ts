import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../support/http.ts';

// What functions/ registers with the Azure Functions host, checked against the one route table and the
// projection catalog, with @azure/functions replaced by a recorder (no host, no network).

interface Registration {
  name: string;
  options: Record<string, unknown> & { handler: (...args: unknown[]) => Promise<unknown> };
}
const registered = vi.hoisted(() => ({ http: [] as Registration[], cosmosDB: [] as Registration[], timer: [] as Registration[], setup: [] as unknown[] }));
vi.mock('@azure/functions', () => ({
  app: {
    http: (name: string, options: Registration['options']) => registered.http.push({ name, options }),
    cosmosDB: (name: string, options: Registration['options']) => registered.cosmosDB.push({ name, options }),
    timer: (name: string, options: Registration['options']) => registered.timer.push({ name, options }),
    setup: (options: unknown) => registered.setup.push(options),
  },
}));

const dataDir = tempDir('eventlog-functions-');
let routes: Array<{ name: string; method: string; route: string; authLevel: string }>;
let projectionCatalog: typeof import('../../functions/index.ts').definition.projections;
let getApp: typeof import('../../functions/index.ts').getApp;
let changeFeedFunctionName: (projection: string) => string;

beforeAll(async () => {
  // functions/index.ts reads the environment when it loads, as the worker does at start.
  vi.stubEnv('EVENT_STORE', 'memory');
  vi.stubEnv('DATA_DIR', dataDir);
  vi.stubEnv('REGION', 'westeurope');
  vi.stubEnv('COSMOS_PREFERRED_LOCATIONS', 'West Europe, North Europe');
  vi.stubEnv('ARCHIVE_POLICY', 'Order:0');
  await import('../../functions/index.ts');
  const { definition } = await import('../../functions/index.ts');
  routes = (await import('../../src/api/routes.ts')).routeTable(definition.routes);
  projectionCatalog = definition.projections;
  ({ getApp } = await import('../../functions/index.ts'));
  const { consumerFunctionName } = await import('../../functions/register.ts');
  changeFeedFunctionName = (projection) => consumerFunctionName({ kind: 'projection', name: projection });
});
afterAll(async () => {
  await (await getApp?.())?.close();
  vi.unstubAllEnvs();
  rmSync(dataDir, { recursive: true, force: true });
});

/** An HttpRequest as the Functions host hands it to a handler (the parts functions/http.ts reads). */
const httpRequest = (params: Record<string, string>, body?: unknown, headers: Record<string, string> = {}) => ({
  params,
  query: new URLSearchParams(),
  headers: new Headers({ 'content-type': 'application/json', ...headers }),
  arrayBuffer: async () => new TextEncoder().encode(body === undefined ? '' : JSON.stringify(body)).buffer,
});
const invocationContext = () => ({ log: vi.fn(), warn: vi.fn(), error: vi.fn(), invocationId: 'test' });
const httpHandler = (name: string) => registered.http.find((r) => r.name === name)!.options.handler;

describe('HTTP registrations', () => {
  it('turn on HTTP streams, so the feed answers Server-Sent Events as a streamed body', async () => {
    expect(registered.setup).toEqual([{ enableHttpStream: true }]);
    const answer = (await httpHandler('readFeed')({ ...httpRequest({}, undefined, { accept: 'text/event-stream' }), query: new URLSearchParams('after=now') }, invocationContext())) as {
      status: number;
      headers: Record<string, string>;
      body: AsyncIterable<Uint8Array>;
    };
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/event-stream/);
    const first = await answer.body[Symbol.asyncIterator]().next();
    expect(Buffer.from(first.value as Uint8Array).toString()).toMatch(/^retry: /);
  });

  it('register every route of the route table once, with its method, template and auth level', () => {
    expect(registered.http.map((r) => ({ name: r.name, methods: r.options.methods, route: r.options.route, authLevel: r.options.authLevel }))).toEqual(
      routes.map((route) => ({ name: route.name, methods: [route.method], route: route.route, authLevel: route.authLevel })),
    );
    expect(new Set(registered.http.map((r) => r.name)).size).toBe(registered.http.length);
  });

  it('keep the design\'s auth levels: health anonymous, projection control admin, the stream API function', () => {
    const level = (name: string) => registered.http.find((r) => r.name === name)?.options.authLevel;
    expect(level('health')).toBe('anonymous');
    expect(level('rebuildProjection')).toBe('admin');
    expect(level('resumeProjection')).toBe('admin');
    expect(level('deleteStream')).toBe('admin');
    expect(level('archiveStream')).toBe('admin');
    for (const name of ['appendToStream', 'readStream', 'getStream', 'getView', 'listProjections']) expect(level(name)).toBe('function');
  });

  it('pass route parameters, headers and body to the shared handlers and map their answers back', async () => {
    const params = { aggregateType: 'Order', aggregateId: 'functions-1' };
    const appended = (await httpHandler('appendToStream')(
      httpRequest(params, { expectedVersion: 'no_stream', events: [{ type: 'Placed', data: { n: 1 } }] }, { 'idempotency-key': 'k1' }),
      invocationContext(),
    )) as { status: number; headers: Record<string, string>; jsonBody: { version: number } };
    expect(appended).toMatchObject({ status: 201, headers: { etag: '"1"' }, jsonBody: { version: 1 } });

    const read = (await httpHandler('readStream')(httpRequest(params), invocationContext())) as { status: number; jsonBody: { events: unknown[] } };
    expect(read.status).toBe(200);
    expect(read.jsonBody.events).toHaveLength(1);

    const refused = (await httpHandler('appendToStream')(httpRequest(params, { events: [] }), invocationContext())) as {
      status: number;
      headers: Record<string, string>;
    };
    expect(refused.status).toBe(400);
    expect(refused.headers['content-type']).toBe('application/problem+json');
  });
});

describe('change-feed registrations', () => {
  it('register one trigger per projection on the events container, with its own leases and a retry policy', () => {
    for (const projection of projectionCatalog) {
      const trigger = registered.cosmosDB.find((r) => r.name === changeFeedFunctionName(projection.name));
      expect(trigger?.options).toMatchObject({
        connection: 'COSMOS',
        containerName: 'events',
        leaseContainerName: 'leases',
        leaseContainerPrefix: `%REGION%-${projection.name}`,
        startFromBeginning: true,
        retry: { maxRetryCount: -1 },
      });
    }
  });

  it("read each region's own copy first: every trigger takes the region's preferred locations", () => {
    expect(registered.cosmosDB.length).toBeGreaterThan(3);
    for (const trigger of registered.cosmosDB) expect(trigger.options.preferredLocations, trigger.name).toBe('West Europe,North Europe');
  });

  it('give every change-feed trigger (projections and reactors) a lease prefix of its own', () => {
    const prefixes = registered.cosmosDB.map((r) => r.options.leaseContainerPrefix);
    expect(new Set(prefixes).size).toBe(prefixes.length);
    expect(registered.cosmosDB.every((r) => r.options.connection === 'COSMOS' && r.options.containerName === 'events')).toBe(true);
  });

  it('process documents as the trigger delivers them: events with system fields, stream heads beside them', async () => {
    const trigger = registered.cosmosDB.find((r) => r.name === changeFeedFunctionName('stream'))!;
    const event = {
      id: '5b0c9a3e-3c52-4a51-8c43-0a8f3f0f5d11',
      streamId: 'Order-feed-1',
      aggregateType: 'Order',
      aggregateId: 'feed-1',
      sequence: 1,
      type: 'Placed',
      schemaVersion: 1,
      data: { n: 1 },
      metadata: {},
      recordedAt: '2025-03-01T10:00:00.000Z',
      region: 'westeurope',
      _rid: 'hTkBAKkq9YUBAAAAAAAAAA==',
      _self: 'dbs/hTkBAA==/colls/hTkBAKkq9YU=/docs/hTkBAKkq9YUBAAAAAAAAAA==/',
      _etag: '"00000000-0000-0d00-0000-67a1b2c30000"',
      _attachments: 'attachments/',
      _ts: 1_740_823_200,
      _lsn: 7,
    };
    const head = { id: '$head', kind: 'streamHead', streamId: 'Order-feed-1', aggregateType: 'Order', aggregateId: 'feed-1', sequence: 0, version: 1, updatedAt: event.recordedAt, _lsn: 7 };
    await expect(trigger.options.handler([head, event], invocationContext())).resolves.not.toThrow();
    const { consumers } = await getApp();
    const view = await consumers.readView('stream', 'Order-feed-1', { waitMs: 0 });
    expect(view).toMatchObject({ kind: 'found', document: { data: { version: 1, lastEventType: 'Placed' } } });
  });

  it('rethrow a failure, so the retry policy holds the batch instead of checkpointing past it', async () => {
    const trigger = registered.cosmosDB.find((r) => r.name === changeFeedFunctionName('stream'))!;
    const { consumers } = await getApp();
    const failing = vi.spyOn(consumers, 'applyLive').mockRejectedValueOnce(new Error('views account unreachable'));
    await expect(trigger.options.handler([], invocationContext())).rejects.toThrow('views account unreachable');
    failing.mockRestore();
  });
});

describe('the archive timer', () => {
  it('runs the archive policy (ARCHIVE_POLICY) through the app: idle streams end up archived', async () => {
    const timer = registered.timer.find((t) => t.name === 'archive-streams');
    expect(timer?.options.schedule).toBe('0 30 2 * * *');
    const params = { aggregateType: 'Order', aggregateId: 'archived-by-timer' };
    await httpHandler('appendToStream')(httpRequest(params, { events: [{ type: 'Placed', data: { n: 1 } }, { type: 'Placed', data: { n: 2 } }] }), invocationContext());
    await new Promise((resolve) => setTimeout(resolve, 5));
    await (timer!.options.handler as (timer: unknown, context: unknown) => Promise<void>)({}, invocationContext());
    const app = await getApp();
    const hot = await app.lifecycle!.operations.archive(params);
    expect(hot).toMatchObject({ outcome: 'unchanged', archivedVersion: 2 });
  });
});
