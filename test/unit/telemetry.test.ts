import { context, trace } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/core/index.ts';
import type { Route } from '../../src/api/types.ts';
import { ConfigError } from '../../src/config.ts';
import { appendEvents, hasGlobalLog, StoreUnavailableError, type EventStore } from '../../src/core/index.ts';
import { jsonLogger } from '../../src/telemetry/logger.ts';
import { MemoryEventStore } from '../../src/stores/memory/memoryEventStore.ts';
import { telemetryEnabled, telemetryPlan } from '../../src/telemetry/config.ts';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { METRICS } from '../../src/telemetry/instruments.ts';
import { startTelemetry } from '../../src/telemetry/sdk.ts';
import { createTelemetry, type Telemetry } from '../../src/telemetry/telemetry.ts';

/** Collects metrics when asked, as an exporter's reader would at its interval. */
class CollectingReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

type Point = { value: unknown; attributes: Record<string, unknown> };
const points = (metrics: ResourceMetrics, name: string): Point[] =>
  metrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .filter((m) => m.descriptor.name === name)
    .flatMap((m): Point[] => m.dataPoints.map((p) => ({ value: p.value, attributes: p.attributes })));

interface LogLine {
  level: string;
  message: string;
  fields: Record<string, unknown>;
}

let spans: InMemorySpanExporter;
let reader: CollectingReader;
let logs: LogLine[];
let telemetry: Telemetry;

const recordingLogger = (): Logger => {
  const log = (level: string) => (message: string, fields: Record<string, unknown> = {}) => logs.push({ level, message, fields });
  return { info: log('info'), warn: log('warn'), error: log('error') };
};

beforeAll(() => {
  // As the hosts do through startTelemetry: spans follow the request across awaits.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});

beforeEach(() => {
  spans = new InMemorySpanExporter();
  reader = new CollectingReader();
  logs = [];
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const meterProvider = new MeterProvider({ readers: [reader] });
  telemetry = createTelemetry({ tracer: tracerProvider.getTracer('test'), meter: meterProvider.getMeter('test'), region: 'westeurope', logger: recordingLogger() });
});

const order = { aggregateType: 'Order', aggregateId: '1' };

describe('telemetry configuration', () => {
  it('is off unless an exporter is asked for', () => {
    expect(telemetryEnabled(telemetryPlan({}))).toBe(false);
    expect(telemetryEnabled(telemetryPlan({ OTEL_TRACES_EXPORTER: 'none', OTEL_SERVICE_NAME: 'x' }))).toBe(false);
  });

  it('exports to the console, to OTLP, or to Azure Monitor as the environment says', () => {
    expect(telemetryPlan({ OTEL_TRACES_EXPORTER: 'console' })).toMatchObject({ traces: ['console'], metrics: [] });
    expect(telemetryPlan({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/' })).toMatchObject({
      traces: ['otlp'],
      metrics: ['otlp'],
      otlpTracesUrl: 'http://127.0.0.1:4318/v1/traces',
      otlpMetricsUrl: 'http://127.0.0.1:4318/v1/metrics',
    });
    expect(telemetryPlan({ APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=x', OTEL_METRICS_EXPORTER: 'console,azuremonitor' })).toMatchObject({
      traces: ['azuremonitor'],
      metrics: ['console', 'azuremonitor'],
    });
    expect(telemetryPlan({ APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=x', OTEL_SDK_DISABLED: 'true' })).toMatchObject({ traces: [], metrics: [] });
    // As the infra sets it for App Insights with local auth disabled: ingestion signed by the app's identity.
    expect(telemetryPlan({ APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=x', APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD' }).entraAuth).toEqual({});
    expect(telemetryPlan({ APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=abc' }).entraAuth).toEqual({ clientId: 'abc' });
    expect(telemetryPlan({}).entraAuth).toBeUndefined();
  });

  it('rejects a bad setting with one line naming the variable', () => {
    expect(() => telemetryPlan({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(ConfigError);
    expect(() => telemetryPlan({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(/^Invalid configuration: OTEL_TRACES_EXPORTER must be a comma-separated list of console, otlp, azuremonitor, none \(got "zipkin"\)$/);
    expect(() => telemetryPlan({ OTEL_METRICS_EXPORTER: 'azuremonitor' })).toThrow(/APPLICATIONINSIGHTS_CONNECTION_STRING is required/);
    expect(() => telemetryPlan({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
    expect(() => telemetryPlan({ APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=Key' })).toThrow(/APPLICATIONINSIGHTS_AUTHENTICATION_STRING/);
  });

  it('starts nothing when off, so the hosts wrap nothing', async () => {
    expect(await startTelemetry(telemetryPlan({}), { region: 'local', logger: recordingLogger() })).toBeUndefined();
  });
});

describe('the instrumented event store', () => {
  it('records a span, the latency and the events of each append, with the correlation ids of the events', async () => {
    const store = telemetry.instrumentStore(new MemoryEventStore());
    await appendEvents(store, {
      stream: order,
      expectedVersion: 'no_stream',
      events: [{ type: 'OrderPlaced', data: {}, metadata: { correlationId: 'corr-1', causationId: 'cause-1' } }, { type: 'ItemAdded', data: {} }],
      region: 'westeurope',
    });
    const [span] = spans.getFinishedSpans();
    expect(span?.name).toBe('eventlog.append');
    expect(span?.attributes).toMatchObject({
      'eventlog.stream_id': 'Order-1',
      'eventlog.event_count': 2,
      'eventlog.correlation_id': 'corr-1',
      'eventlog.causation_id': 'cause-1',
      'eventlog.version': 2,
      'eventlog.region': 'westeurope',
      'eventlog.store': 'memory',
    });
    const { resourceMetrics } = await reader.collect();
    expect(points(resourceMetrics, METRICS.eventsAppended).map((p) => [p.value, p.attributes['eventlog.aggregate_type']])).toEqual([[2, 'Order']]);
    const [latency] = points(resourceMetrics, METRICS.appendDuration);
    expect(latency?.attributes).toMatchObject({ 'eventlog.outcome': 'ok', 'eventlog.region': 'westeurope' });
    expect((latency?.value as { count: number }).count).toBe(1);
  });

  it('counts conflicts, including those the server retries for "any"', async () => {
    const store = telemetry.instrumentStore(new MemoryEventStore());
    await appendEvents(store, { stream: order, expectedVersion: 'no_stream', events: [{ type: 'A', data: {} }], region: 'x' });
    await expect(appendEvents(store, { stream: order, expectedVersion: 'no_stream', events: [{ type: 'B', data: {} }], region: 'x' })).rejects.toThrow(/version 1/);
    const { resourceMetrics } = await reader.collect();
    expect(points(resourceMetrics, METRICS.conflicts).map((p) => p.value)).toEqual([1]);
    expect(spans.getFinishedSpans()[1]?.attributes['eventlog.outcome']).toBe('conflict');
    expect(logs).toEqual([]); // a conflict is an answer, not a failure
  });

  it('marks a failing append as an error and logs it with its correlation id', async () => {
    const failing = new MemoryEventStore();
    failing.append = async () => {
      throw new StoreUnavailableError('throttled', 2);
    };
    const store = telemetry.instrumentStore(failing);
    await expect(appendEvents(store, { stream: order, expectedVersion: 'any', events: [{ type: 'A', data: {}, metadata: { correlationId: 'corr-9' } }], region: 'x' })).rejects.toThrow('throttled');
    expect(spans.getFinishedSpans()[0]?.status).toMatchObject({ code: 2, message: 'throttled' });
    expect(logs).toEqual([{ level: 'warn', message: 'append failed', fields: expect.objectContaining({ streamId: 'Order-1', outcome: 'unavailable', correlationId: 'corr-9' }) }]);
  });

  it('passes everything else through: the global log, reads, the store kind', async () => {
    const store = telemetry.instrumentStore(new MemoryEventStore());
    expect(hasGlobalLog(store)).toBe(true);
    expect(store.kind).toBe('memory');
    await appendEvents(store, { stream: order, expectedVersion: 'any', events: [{ type: 'A', data: {} }], region: 'x' });
    expect(hasGlobalLog(store) && (await store.readAll(0, 10)).map((e) => e.type)).toEqual(['A']);
    expect((await store.readStream(order, { fromVersion: 1, limit: 10 }))?.version).toBe(1);
    expect(spans.getFinishedSpans().map((s) => s.name)).toEqual(['eventlog.append', 'eventlog.read_stream']);
  });

  it('reports the request units and requests a store says it was charged, by operation and container', async () => {
    let batch = { operation: 'batch', container: 'events', requests: 1, requestCharge: 12.5 };
    const metadata = { operation: 'metadata', container: '-', requests: 2, requestCharge: 2 };
    const cosmosLike = Object.assign(new MemoryEventStore(), { meter: { snapshot: () => ({ byOperation: [batch, metadata] }) } }) as EventStore;
    telemetry.instrumentStore(cosmosLike);
    const byOperation = (metrics: ResourceMetrics, name: string) =>
      points(metrics, name).map((p) => [p.attributes['eventlog.cosmos.operation'], p.attributes['eventlog.cosmos.container'], p.value]);
    let collected = (await reader.collect()).resourceMetrics;
    expect(byOperation(collected, METRICS.requestCharge)).toEqual([['batch', 'events', 12.5], ['metadata', '-', 2]]);
    expect(byOperation(collected, METRICS.cosmosRequests)).toEqual([['batch', 'events', 1], ['metadata', '-', 2]]);

    // The views account's storage reports through its own meter; the account-level figures add up.
    batch = { ...batch, requests: 2, requestCharge: 25 };
    const views = { meter: { snapshot: () => ({ byOperation: [{ operation: 'read', container: 'views', requests: 3, requestCharge: 3 }, metadata] }) } };
    telemetry.observeRequestCharge(views);
    telemetry.observeRequestCharge(views);
    collected = (await reader.collect()).resourceMetrics;
    expect(byOperation(collected, METRICS.requestCharge)).toEqual([['batch', 'events', 25], ['metadata', '-', 4], ['read', 'views', 3]]);
    expect(points(collected, METRICS.requestCharge).every((p) => p.attributes['eventlog.region'] === 'westeurope' && p.attributes['eventlog.store'] === 'cosmos')).toBe(true);
  });

  it('registers no Cosmos DB metric for stores that report no charges', async () => {
    telemetry.instrumentStore(new MemoryEventStore());
    telemetry.observeRequestCharge({ views: {}, checkpoints: {} });
    expect(points((await reader.collect()).resourceMetrics, METRICS.requestCharge)).toEqual([]);
  });
});

describe('routes, projections and logs', () => {
  it('puts each request in a server span that parents the store spans', async () => {
    const store = telemetry.instrumentStore(new MemoryEventStore());
    const route: Route<EventStore> = {
      name: 'appendSomething',
      method: 'POST',
      route: 'things/{id}',
      authLevel: 'function',
      handle: async (_request, services) => {
        await appendEvents(services, { stream: order, expectedVersion: 'any', events: [{ type: 'A', data: {} }], region: 'x' });
        return { status: 201 };
      },
      doc: { responses: {} },
    };
    const [instrumented] = telemetry.instrumentRoutes([route]);
    expect(await instrumented!.handle({ method: 'POST', params: {}, query: new URLSearchParams(), headers: {} }, store)).toEqual({ status: 201 });
    const [inner, outer] = spans.getFinishedSpans();
    expect(outer?.name).toBe('POST /api/things/{id}');
    expect(outer?.attributes['http.response.status_code']).toBe(201);
    expect(inner?.parentSpanContext?.spanId).toBe(outer?.spanContext().spanId);
    expect(inner?.spanContext().traceId).toBe(outer?.spanContext().traceId);
  });

  it("reports each projection's lag and whether it is halted, per region", async () => {
    telemetry.observeProjections(async () => [
      { name: 'stream', status: 'running', lag: 4 },
      { name: 'audit', status: 'halted', lag: 10 },
      { name: 'feed', status: 'running', lag: null },
    ]);
    const { resourceMetrics } = await reader.collect();
    const byProjection = (name: string) =>
      Object.fromEntries(points(resourceMetrics, name).map((p) => [String(p.attributes['eventlog.projection']), [p.value, p.attributes['eventlog.region']]]));
    expect(byProjection(METRICS.projectionLag)).toEqual({ stream: [4, 'westeurope'], audit: [10, 'westeurope'] });
    expect(byProjection(METRICS.projectionHalted)).toEqual({ stream: [0, 'westeurope'], audit: [1, 'westeurope'], feed: [0, 'westeurope'] });
  });

  it('logs a warning instead of failing the collection when the projections cannot be read', async () => {
    telemetry.observeProjections(async () => {
      throw new Error('views store down');
    });
    expect(points((await reader.collect()).resourceMetrics, METRICS.projectionLag)).toEqual([]);
    expect(logs).toEqual([{ level: 'warn', message: 'projection metrics unavailable', fields: { error: 'views store down' } }]);
  });

  it('writes JSON log lines that carry the trace id of the active span', async () => {
    const lines: string[] = [];
    const logger = jsonLogger({ region: 'westeurope' }, (line) => lines.push(line));
    const tracer = new BasicTracerProvider().getTracer('test');
    logger.info('outside');
    tracer.startActiveSpan('work', (span) => {
      logger.info('inside', { correlationId: 'corr-1' });
      span.end();
    });
    const [outside, inside] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(outside).not.toHaveProperty('traceId');
    expect(inside).toMatchObject({ level: 'info', message: 'inside', region: 'westeurope', correlationId: 'corr-1', traceId: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});
