import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConcurrencyError,
  DuplicateEventIdError,
  newEventId,
  StoreUnavailableError,
  type AppendRequest,
  type PreparedEvent,
  type StreamRef,
} from '../../src/core/index.ts';
import { CosmosEventStore, type CosmosEventStoreOptions } from '../../src/stores/cosmos/cosmosEventStore.ts';
import { openCosmosProjectionStorage } from '../../src/stores/cosmos/projectionStorage.ts';
import { METRICS } from '../../src/telemetry/instruments.ts';
import { createTelemetry } from '../../src/telemetry/telemetry.ts';
import {
  initAccountDatabase,
  isBatch,
  serviceResponses,
  startCosmosAccount,
  times,
  type CosmosTestAccount,
  type ReceivedRequest,
} from '../support/cosmosAccount/index.ts';

// The Cosmos DB adapter at the HTTP boundary, through the real @azure/cosmos client, against the Cosmos
// DB test account (test/support/cosmosAccount): the requests it sends and what they cost (budgets), and
// what it makes of the service's answers to a concurrent writer, throttling, unavailability and lost
// replies, given by the account's interceptors.

/** Two physical partitions (the account's default): every query here names its partition, so counts hold. */
const startAccount = async (): Promise<CosmosTestAccount> => {
  const account = await startCosmosAccount();
  await initAccountDatabase(account);
  return account;
};

let server: CosmosTestAccount;
/** Default timeouts; bounded throttling retries and fast write retries, so the tests stay short. */
let store: CosmosEventStore;
const options = (): CosmosEventStoreOptions => ({
  connection: server.connection,
  database: 'eventlog',
  region: 'local',
  throttleRetries: { maxAttempts: 2, maxWaitSeconds: 1 },
  writeRetry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
});

beforeAll(async () => {
  server = await startAccount();
  store = await CosmosEventStore.open(options());
  await store.ping(); // a client reads account and container metadata once, on first use
  await store.append(request(freshStream(), 'no_stream', [event()]));
});
afterAll(async () => {
  await store?.close();
  await server?.close();
});

/**
 * A server and a store with short timeouts of their own, for requests that get no answer: the SDK may
 * still send one last attempt after giving up, which must not land in another test's request count.
 */
const silentFixture = () => {
  const fixture = {} as { server: CosmosTestAccount; store: CosmosEventStore };
  beforeAll(async () => {
    fixture.server = await startAccount();
    fixture.store = await CosmosEventStore.open({ ...options(), connection: fixture.server.connection, requestTimeoutMs: 300, operationTimeoutMs: 1_200 });
    await fixture.store.ping();
  });
  afterAll(async () => {
    await fixture.store?.close();
    await fixture.server?.close();
  });
  return fixture;
};

let counter = 0;
const freshStream = (): StreamRef => ({ aggregateType: 'Wire', aggregateId: `w${Date.now()}-${++counter}` });
const event = (type = 'Happened'): PreparedEvent => ({ id: newEventId(), type, schemaVersion: 1, data: { n: ++counter }, metadata: {} });
const request = (stream: StreamRef, expectedVersion: AppendRequest['expectedVersion'], events: PreparedEvent[]): AppendRequest => ({
  stream,
  expectedVersion,
  events,
  region: 'wire-test',
});
const streamWith = async (count: number): Promise<StreamRef> => {
  const stream = freshStream();
  await store.append(request(stream, 'no_stream', Array.from({ length: count }, () => event())));
  return stream;
};

/** The requests the server received while `work` ran. */
const sentDuring = async (work: () => Promise<unknown>): Promise<ReceivedRequest[]> => {
  const before = server.requests.length;
  await work();
  return server.requests.slice(before);
};
const kinds = (requests: ReceivedRequest[]) => requests.map((r) => r.kind);
const rejection = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => undefined, (error: unknown) => error);
const storedIds = async (stream: StreamRef) => (await store.readStream(stream, { fromVersion: 1, limit: 1000 }))?.events.map((e) => e.id) ?? [];

describe('request budgets of the Cosmos DB store', () => {
  it('an append with a known expected version is one request', async () => {
    const stream = await streamWith(2);
    const sent = await sentDuring(() => store.append(request(stream, 2, [event(), event()])));
    expect(kinds(sent)).toEqual(['batch']);
  });

  it('creating a stream is one request', async () => {
    const sent = await sentDuring(() => store.append(request(freshStream(), 'no_stream', [event()])));
    expect(kinds(sent)).toEqual(['batch']);
  });

  it('a read of up to limit events is one request, with no query plan', async () => {
    const stream = await streamWith(30);
    const whole = await sentDuring(() => store.readStream(stream, { fromVersion: 1, limit: 100 }));
    const page = await sentDuring(() => store.readStream(stream, { fromVersion: 11, limit: 10 }));
    expect(kinds(whole)).toEqual(['query']);
    expect(kinds(page)).toEqual(['query']);
  });

  it('an append with "any" or "exists" reads the stream head by id first (a point read), then sends one batch', async () => {
    const stream = await streamWith(1);
    for (const expectedVersion of ['any', 'exists'] as const) {
      const sent = await sentDuring(() => store.append(request(stream, expectedVersion, [event()])));
      expect(kinds(sent)).toEqual(['document', 'batch']);
      expect(sent[0]).toMatchObject({ method: 'GET', path: expect.stringMatching(/\/docs\/%24head$|\/docs\/\$head$/) });
    }
    expect((await store.getStreamInfo(stream))?.version).toBe(3);
  });

  it('an append with "any" to a stream that does not exist yet: the head read finds none, one batch creates both', async () => {
    const stream = freshStream();
    const sent = await sentDuring(() => store.append(request(stream, 'any', [event()])));
    expect(kinds(sent)).toEqual(['document', 'batch']);
    expect(sent[0]!.status).toBe(404);
    expect((await store.getStreamInfo(stream))?.version).toBe(1);
  });

  it('a view point read is one request', async () => {
    const storage = await openCosmosProjectionStorage({ connection: server.connection, database: 'eventlog', region: 'local' });
    try {
      await storage.views.put({ view: 'stream@1', key: 'Order-budget', data: { version: 1 }, positions: { 'Order-budget': 1 }, updatedAt: new Date().toISOString() }, { absent: true });
      const sent = await sentDuring(() => storage.views.get('stream@1', 'Order-budget'));
      expect(kinds(sent)).toEqual(['document']);
      expect(sent[0]!.method).toBe('GET');
    } finally {
      await storage.close();
    }
  });

  it('view writes at once: point writes below the bulk threshold, one bulk execution per partition key range from it on, the same request units', async () => {
    const storage = await openCosmosProjectionStorage({ connection: server.connection, database: 'eventlog', region: 'local', bulkFrom: 4 });
    try {
      const writes = (count: number, round: string) =>
        Array.from({ length: count }, (_, i) => ({
          document: { view: 'stream@1', key: `Order-${round}-${i}`, data: {}, positions: {}, updatedAt: '2025-01-01T00:00:00.000Z' },
          condition: { absent: true } as const,
        }));
      const before = storage.meter.snapshot();
      const point = await sentDuring(() => storage.views.putMany(writes(3, `p${++counter}`)));
      const pointCharge = storage.meter.since(before).byOperation.find((e) => e.operation === 'create')!.requestCharge;
      // (A client's first requests also read the account's and the container's metadata.)
      expect(kinds(point).filter((kind) => kind !== 'metadata')).toEqual(['document', 'document', 'document']);
      const between = storage.meter.snapshot();
      const bulk = await sentDuring(() => storage.views.putMany(writes(6, `b${++counter}`)));
      expect(kinds(bulk).filter((kind) => kind !== 'metadata')).toEqual(['bulk', 'bulk']);
      expect(storage.meter.since(between).byOperation.find((e) => e.operation === 'bulk')?.requestCharge).toBe((pointCharge / 3) * 6);
    } finally {
      await storage.close();
    }
  });

  it("the client's own meter counts the same requests", async () => {
    const stream = await streamWith(3);
    const before = store.meter.snapshot();
    const sent = await sentDuring(async () => {
      await store.append(request(stream, 3, [event()]));
      await store.readStream(stream, { fromVersion: 1, limit: 10 });
    });
    const spent = store.meter.since(before);
    expect(spent.requests).toBe(sent.length);
    expect(spent.byKind).toEqual({ data: 2, metadata: 0, queryPlan: 0 });
    expect(spent.requestCharge).toBeGreaterThan(0);
  });
});

describe('request units of the Cosmos DB store (the account charges by the documented figures)', () => {
  // docs/cosmos.md: a write of a small (< 1 KB) document costs 5 RU, a point read 1 RU, a query 2 RU plus
  // its results at the point-read rate (test/support/cosmosAccount/wire/requestCharge.ts).
  it('an append with "any" costs 1 RU more than one at a known version: the point read of the head', async () => {
    const stream = await streamWith(1);
    const known = store.meter.snapshot();
    await store.append(request(stream, 1, [event()]));
    const atKnownVersion = store.meter.since(known).requestCharge;
    const any = store.meter.snapshot();
    await store.append(request(stream, 'any', [event()]));
    expect(store.meter.since(any).requestCharge).toBe(atKnownVersion + 1);
  });

  it('an append of n small events at a known version costs 5 RU per document written: the n events and the head', async () => {
    const stream = await streamWith(1);
    let version = 1;
    for (const n of [1, 3]) {
      const before = store.meter.snapshot();
      await store.append(request(stream, version, Array.from({ length: n }, () => event())));
      expect(store.meter.since(before).requestCharge).toBe(5 * (n + 1));
      version += n;
    }
  });

  it('a read of a page of a few small events is one query: 2 RU and about 1 RU per KB returned', async () => {
    const stream = await streamWith(3);
    const before = store.meter.snapshot();
    await store.readStream(stream, { fromVersion: 1, limit: 10 });
    const charge = store.meter.since(before).requestCharge;
    expect(charge).toBeGreaterThan(2);
    expect(charge).toBeLessThan(5);
  });
});

describe('JSON keys that name Object.prototype members', () => {
  // The loopback server's query engine drops own `__proto__` keys from the documents it returns (the
  // contract skips that case for it), so the query is answered here as the service answers it: the
  // documents as stored, in `Documents`. What is checked is the SDK and the adapter on both ways.
  it('go out in the batch and come back from a query as own keys', async () => {
    const stream = freshStream();
    const hostile = JSON.parse('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"x":1}},"nested":{"__proto__":[1]}}') as Record<string, unknown>;
    const proposed = { ...event('Hostile'), data: hostile, metadata: JSON.parse('{"__proto__":{"m":1},"correlationId":"c"}') as Record<string, unknown> };
    const [batch] = await sentDuring(() => store.append(request(stream, 'no_stream', [proposed])));
    const written = (batch!.body as Array<{ operationType: string; resourceBody: Record<string, unknown> }>).map((operation) => operation.resourceBody);
    const document = written.find((body) => body.id === proposed.id)!;
    expect(JSON.stringify(document.data)).toBe(JSON.stringify(hostile));
    expect(JSON.stringify(document.metadata)).toBe(JSON.stringify(proposed.metadata));

    const head = written.find((body) => body.id === '$head')!;
    const stored = (body: Record<string, unknown>) => ({ ...body, _rid: 'rid', _self: 'self', _etag: '"etag"', _attachments: 'attachments/', _ts: 1 });
    const answer = { _rid: 'rid', Documents: [stored(head), stored(document)], _count: 2 };
    const remove = server.intercept(times(1, (r) => r.kind === 'query', { respond: { status: 200, headers: { 'x-ms-request-charge': '2.9', 'x-ms-item-count': '2' }, body: answer } }));
    try {
      const slice = await store.readStream(stream, { fromVersion: 1, limit: 10 });
      const [read] = slice!.events;
      expect(JSON.stringify(read!.data)).toBe(JSON.stringify(hostile));
      expect(JSON.stringify(read!.metadata)).toBe(JSON.stringify(proposed.metadata));
      expect(Object.hasOwn(read!.data, '__proto__')).toBe(true);
      expect(Object.getPrototypeOf(read!.data)).toBe(Object.prototype);
    } finally {
      remove();
    }
  });
});

describe('request charges recorded by operation and container', () => {
  const byOperation = (spent: ReturnType<CosmosEventStore['meter']['since']>) =>
    Object.fromEntries(spent.byOperation.map((e) => [`${e.operation} ${e.container}`, [e.requests, e.requestCharge]]));

  it('the meter keeps each operation\'s requests and request units: an append, a head read, a page, a change feed read', async () => {
    const stream = await streamWith(1);
    let before = store.meter.snapshot();
    await store.append(request(stream, 1, [event()]));
    expect(byOperation(store.meter.since(before))).toEqual({ 'batch events': [1, 10] });

    before = store.meter.snapshot();
    await store.append(request(stream, 'any', [event()]));
    expect(byOperation(store.meter.since(before))).toEqual({ 'read events': [1, 1], 'batch events': [1, 10] });

    before = store.meter.snapshot();
    await store.readStream(stream, { fromVersion: 1, limit: 10 });
    expect(Object.keys(byOperation(store.meter.since(before)))).toEqual(['query events']);

    before = store.meter.snapshot();
    await store.readFrom(undefined, 10);
    // A first change feed read also fetches the container's partition key ranges (metadata).
    const feed = store.meter.since(before).byOperation.filter((e) => e.operation !== 'metadata');
    expect(feed.map((e) => [e.operation, e.container])).toEqual([['changeFeed', 'events']]);
    expect(feed[0]!.requestCharge).toBeGreaterThan(1);
  });

  it('OpenTelemetry reports them as counters, the views account\'s included', async () => {
    const reader = new (class extends MetricReader {
      protected async onShutdown(): Promise<void> {}
      protected async onForceFlush(): Promise<void> {}
    })();
    const telemetry = createTelemetry({
      tracer: trace.getTracer('test'),
      meter: new MeterProvider({ readers: [reader] }).getMeter('test'),
      region: 'westeurope',
      logger: { info: () => {}, warn: () => {}, error: () => {} },
    });
    const viewsAccount = await startAccount();
    const storage = await openCosmosProjectionStorage({ connection: viewsAccount.connection, database: 'eventlog', region: 'local' });
    try {
      const instrumented = telemetry.instrumentStore(store);
      telemetry.observeRequestCharge(storage);
      await storage.views.put({ view: 'stream@1', key: 'Order-metered', data: {}, positions: {}, updatedAt: new Date().toISOString() }, { absent: true });
      const viewRead = storage.meter.snapshot();
      await storage.views.get('stream@1', 'Order-metered');
      expect(byOperation(storage.meter.since(viewRead))).toEqual({ 'read views': [1, 1] });
      await instrumented.append(request(await streamWith(1), 1, [event()]));

      const points = (await reader.collect()).resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
      const charged = (operation: string, container: string) =>
        points
          .find((m) => m.descriptor.name === METRICS.requestCharge)
          ?.dataPoints.find((p) => p.attributes['eventlog.cosmos.operation'] === operation && p.attributes['eventlog.cosmos.container'] === container)?.value;
      const sum = (meter: { snapshot(): { byOperation: Array<{ operation: string; container: string; requestCharge: number }> } }, operation: string, container: string) =>
        meter.snapshot().byOperation.filter((e) => e.operation === operation && e.container === container).reduce((t, e) => t + e.requestCharge, 0);
      expect(sum(storage.meter, 'create', 'views')).toBe(5);
      // Each account's meter counts once; the metric adds them up (the log's account served views in an earlier test).
      const bothAccounts = (operation: string, container: string) => sum(store.meter, operation, container) + sum(storage.meter, operation, container);
      for (const [operation, container] of [['batch', 'events'], ['read', 'views'], ['create', 'views']] as const)
        expect(charged(operation, container)).toBe(bothAccounts(operation, container));
      expect(points.find((m) => m.descriptor.name === METRICS.cosmosRequests)?.dataPoints.length).toBeGreaterThan(2);
    } finally {
      await storage.close();
      await viewsAccount.close();
    }
  });
});

describe('append batches as the service answers them', () => {
  it('a known-version batch refused by the head (412 + 424s) is a concurrency error with the version read after it', async () => {
    const stream = await streamWith(2);
    const ours = [event(), event()];
    server.intercept(
      times(1, isBatch, async () => {
        await store.append(request(stream, 2, [event()])); // a concurrent writer gets there first
        return serviceResponses.failedBatch([412, 424, 424]);
      }),
    );
    const error = await rejection(store.append(request(stream, 2, ours)));
    expect(error).toBeInstanceOf(ConcurrencyError);
    expect(error).toMatchObject({ expectedVersion: 2, currentVersion: 3 });
    expect(await storedIds(stream)).not.toContain(ours[0]!.id);
  });

  it('a batch refused with 409 + 424s after a concurrent append is a concurrency error with the current version', async () => {
    const stream = await streamWith(2);
    const ours = event();
    server.intercept(
      times(1, isBatch, async () => {
        await store.append(request(stream, 2, [event()]));
        return serviceResponses.failedBatch([409, 424]);
      }),
    );
    const error = await rejection(store.append(request(stream, 'any', [ours])));
    expect(error).toBeInstanceOf(ConcurrencyError);
    expect(error).toMatchObject({ expectedVersion: 'any', currentVersion: 3 });
    expect(await storedIds(stream)).toHaveLength(3);
    expect(await storedIds(stream)).not.toContain(ours.id);
  });

  it('409 on an event whose id is already in the stream, at the expected version, is a duplicate event id', async () => {
    const stream = freshStream();
    const first = event();
    await store.append(request(stream, 'no_stream', [first]));
    server.intercept(times(1, isBatch, serviceResponses.failedBatch([424, 424, 409])));
    const error = await rejection(store.append(request(stream, 1, [event(), { ...event(), id: first.id }])));
    expect(error).toBeInstanceOf(DuplicateEventIdError);
    expect(error).toMatchObject({ eventIds: [first.id] });
    expect(await storedIds(stream)).toEqual([first.id]);
  });
});

describe('throttling and unavailability', () => {
  it('a 429 is retried after the server\'s x-ms-retry-after-ms, then the append succeeds once', async () => {
    const stream = await streamWith(1);
    server.intercept(times(2, isBatch, serviceResponses.throttled(80)));
    const started = Date.now();
    const sent = await sentDuring(() => store.append(request(stream, 1, [event()])));
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(kinds(sent)).toEqual(['batch', 'batch', 'batch']);
    expect(await storedIds(stream)).toHaveLength(2);
  });

  it('throttling that outlasts the retries is StoreUnavailableError with the server\'s hint as Retry-After', async () => {
    const stream = await streamWith(1);
    const stop = server.intercept((r) => (isBatch(r) ? serviceResponses.throttled(1_200) : undefined));
    try {
      const error = await rejection(store.append(request(stream, 1, [event()])));
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error).toMatchObject({ retryAfterSeconds: 2 });
    } finally {
      stop();
    }
    expect(await storedIds(stream)).toHaveLength(1);
  });

  it('a 503 on a write is resolved by reading back: not stored, so it is sent again and stored once', async () => {
    const stream = await streamWith(1);
    const ours = event();
    server.intercept(times(1, isBatch, serviceResponses.serviceUnavailable()));
    const sent = await sentDuring(() => store.append(request(stream, 1, [ours])));
    expect(kinds(sent)).toEqual(['batch', 'query', 'batch']);
    expect(await storedIds(stream)).toEqual([expect.any(String), ours.id]);
  });

  it('a store that keeps answering 503 is StoreUnavailableError after bounded attempts, nothing written', async () => {
    const stream = await streamWith(1);
    const stop = server.intercept((r) => (isBatch(r) ? serviceResponses.serviceUnavailable() : undefined));
    try {
      let error: unknown;
      const sent = await sentDuring(async () => {
        error = await rejection(store.append(request(stream, 1, [event()])));
      });
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(kinds(sent)).toEqual(['batch', 'query', 'batch', 'query', 'batch', 'query']);
    } finally {
      stop();
    }
    expect(await storedIds(stream)).toHaveLength(1);
  });
});

describe('requests that get no answer', () => {
  const silent = silentFixture();
  const stored = async (stream: StreamRef) =>
    (await silent.store.readStream(stream, { fromVersion: 1, limit: 100 }))?.events.map((e) => e.id) ?? [];
  const oneEventStream = async (): Promise<StreamRef> => {
    const stream = freshStream();
    await silent.store.append(request(stream, 'no_stream', [event()]));
    return stream;
  };
  const sentTo = async (work: () => Promise<unknown>): Promise<ReceivedRequest[]> => {
    const before = silent.server.requests.length;
    await work();
    return silent.server.requests.slice(before);
  };

  it('a timed-out write that was applied is read back and answered as appended, without writing it twice', async () => {
    const stream = await oneEventStream();
    const ours = [event(), event()];
    silent.server.intercept(times(1, isBatch, { hang: { apply: true } }));
    let result: Awaited<ReturnType<CosmosEventStore['append']>> | undefined;
    const sent = await sentTo(async () => {
      result = await silent.store.append(request(stream, 1, ours));
    });
    expect(result).toMatchObject({ firstSequence: 2, lastSequence: 3, version: 3, eventIds: ours.map((e) => e.id) });
    expect(kinds(sent)).toEqual(['batch', 'query']);
    expect(await stored(stream)).toEqual([expect.any(String), ...ours.map((e) => e.id)]);
  });

  it('a timed-out write that was not applied is read back, found missing, and sent again', async () => {
    const stream = await oneEventStream();
    const ours = event();
    silent.server.intercept(times(1, isBatch, { hang: { apply: false } }));
    const sent = await sentTo(() => silent.store.append(request(stream, 1, [ours])));
    expect(kinds(sent)).toEqual(['batch', 'query', 'batch']);
    expect(await stored(stream)).toEqual([expect.any(String), ours.id]);
  });

  it('a read gets StoreUnavailableError at the operation deadline, not after the SDK\'s own retries', async () => {
    const stream = await oneEventStream();
    const stop = silent.server.intercept((r) => (r.kind === 'query' ? { hang: { apply: false } } : undefined));
    const started = Date.now();
    try {
      const error = await rejection(silent.store.readStream(stream, { fromVersion: 1, limit: 10 }));
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      stop();
    }
  });

  it('a write whose outcome cannot be read back is StoreUnavailableError, never a guess', async () => {
    const stream = await oneEventStream();
    const stop = silent.server.intercept((r) => (r.kind === 'batch' || r.kind === 'query' ? { hang: { apply: false } } : undefined));
    try {
      const error = await rejection(silent.store.append(request(stream, 1, [event()])));
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message).toContain('reading back a write of unknown outcome');
    } finally {
      stop();
    }
    expect(await stored(stream)).toHaveLength(1);
  });
});

describe('appends of 100 events (no room for the head in the batch)', () => {
  it('read the version first, append in one batch, then move the head: later appends are one request again', async () => {
    const stream = await streamWith(1);
    const hundred = Array.from({ length: 100 }, () => event());
    const big = await sentDuring(() => store.append(request(stream, 1, hundred)));
    expect(kinds(big)).toEqual(['document', 'batch', 'document']);
    expect(big.map((r) => r.method)).toEqual(['GET', 'POST', 'PATCH']);
    const next = await sentDuring(() => store.append(request(stream, 101, [event()])));
    expect(kinds(next)).toEqual(['batch']);
    expect((await store.getStreamInfo(stream))?.version).toBe(102);
  });

  it('a head left behind (the move after the batch failed) costs one tip read, and reads still report the true version', async () => {
    const stream = await streamWith(1);
    server.intercept(times(1, (r) => r.method === 'PATCH', serviceResponses.serviceUnavailable()));
    await store.append(request(stream, 1, Array.from({ length: 100 }, () => event())));
    const read = await sentDuring(async () => {
      expect((await store.readStream(stream, { fromVersion: 1, limit: 5 }))?.version).toBe(101);
    });
    expect(kinds(read)).toEqual(['query', 'query']);
    const stale = await rejection(store.append(request(stream, 1, [event()])));
    expect(stale).toMatchObject({ expectedVersion: 1, currentVersion: 101 });
    const append = await sentDuring(() => store.append(request(stream, 101, [event()])));
    expect(kinds(append)).toEqual(['batch', 'query', 'batch']);
    expect(kinds(await sentDuring(() => store.append(request(stream, 102, [event()]))))).toEqual(['batch']);
  });

  it('"any" and "exists" after a head left behind: the head passes its check, an event is refused, the tip is read and the append goes again', async () => {
    for (const expectedVersion of ['any', 'exists'] as const) {
      const stream = await streamWith(1);
      server.intercept(times(1, (r) => r.method === 'PATCH', serviceResponses.serviceUnavailable()));
      await store.append(request(stream, 1, Array.from({ length: 100 }, () => event())));
      const ours = event();
      const sent = await sentDuring(() => store.append(request(stream, expectedVersion, [ours])));
      expect(kinds(sent)).toEqual(['document', 'batch', 'query', 'batch']);
      expect(sent[1]!.status).toBe(207);
      expect((await store.readStream(stream, { fromVersion: 102, limit: 5 }))?.events.map((e) => e.id)).toEqual([ours.id]);
      expect(kinds(await sentDuring(() => store.append(request(stream, expectedVersion, [event()]))))).toEqual(['document', 'batch']);
    }
  });

  it('100 events with "any": the head read is the proof, the batch holds the events only, the head moves after', async () => {
    const stream = await streamWith(2);
    const sent = await sentDuring(() => store.append(request(stream, 'any', Array.from({ length: 100 }, () => event()))));
    expect(kinds(sent)).toEqual(['document', 'batch', 'document']);
    expect((await store.getStreamInfo(stream))?.version).toBe(102);
    expect(kinds(await sentDuring(() => store.append(request(stream, 102, [event()]))))).toEqual(['batch']);
  });
});

describe('the change feed as the replay source of rebuilds', () => {
  const readAll = async (replay: CosmosEventStore, from: string | undefined, limit: number) => {
    const events = [];
    let cursor = from;
    for (let page = 0; page < 50; page++) {
      const read = await replay.readFrom(cursor, limit);
      events.push(...read.events);
      cursor = read.cursor;
      if (read.caughtUp) break;
    }
    return { events, cursor };
  };

  it('replays every event from the beginning, in order per stream, without stream heads, then reports caught up', async () => {
    const own = await startAccount();
    const replay = await CosmosEventStore.open({ ...options(), connection: own.connection });
    try {
      const [a, b] = [freshStream(), freshStream()];
      await replay.append(request(a, 'no_stream', [event('A1'), event('A2')]));
      await replay.append(request(b, 'no_stream', [event('B1')]));
      await replay.append(request(a, 2, [event('A3')]));
      const { events } = await readAll(replay, undefined, 100);
      expect(events.filter((e) => e.streamId.endsWith(a.aggregateId)).map((e) => [e.type, e.sequence])).toEqual([['A1', 1], ['A2', 2], ['A3', 3]]);
      expect(events.filter((e) => e.streamId.endsWith(b.aggregateId)).map((e) => e.type)).toEqual(['B1']);
      expect(events.every((e) => !('_rid' in e) && !('kind' in e))).toBe(true);
    } finally {
      await replay.close();
      await own.close();
    }
  });

  it('pages through more events than a page holds, and a stored cursor sees only later writes', async () => {
    const own = await startAccount();
    const replay = await CosmosEventStore.open({ ...options(), connection: own.connection });
    try {
      const streams = Array.from({ length: 6 }, () => freshStream());
      for (const stream of streams) await replay.append(request(stream, 'no_stream', [event('First'), event('Second')]));
      const first = await readAll(replay, undefined, 3);
      expect(first.events).toHaveLength(12);
      expect(own.requests.filter((r) => r.kind === 'changeFeed').length).toBeGreaterThan(4);

      expect((await replay.readFrom(first.cursor, 3)).events).toEqual([]);
      await replay.append(request(streams[2]!, 2, [event('Third')]));
      const later = await readAll(replay, first.cursor, 3);
      expect(later.events.map((e) => [e.streamId, e.type, e.sequence])).toEqual([[streams[2]!.aggregateType + '-' + streams[2]!.aggregateId, 'Third', 3]]);
    } finally {
      await replay.close();
      await own.close();
    }
  });
});
