import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvents } from '../../src/core/index.ts';
import { silentLogger } from '../../src/core/index.ts';
import { MemoryEventStore } from '../../src/stores/memory/memoryEventStore.ts';
import { telemetryPlan } from '../../src/telemetry/config.ts';
import { startTelemetry } from '../../src/telemetry/sdk.ts';
import { recordExports, type Received } from '../support/telemetryCollector.ts';

// The SDK as the hosts start it, exporting to a collector on loopback: what leaves the process.
// One start per file (the SDK registers itself globally): Azure Monitor has its own file.

let collector: Server;
let url: string;
const received: Received[] = [];

beforeAll(async () => {
  collector = createServer(recordExports(received));
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => collector.close(resolve));
});

describe('telemetry exported over OTLP/HTTP', () => {
  it('sends the append span and the append metrics to the collector when the app shuts down', async () => {
    const plan = telemetryPlan({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_SERVICE_NAME: 'eventlog-test', OTEL_METRIC_EXPORT_INTERVAL: '60000' });
    const telemetry = await startTelemetry(plan, { region: 'northeurope', logger: silentLogger });
    expect(telemetry).toBeDefined();
    const store = telemetry!.instrumentStore(new MemoryEventStore());
    await appendEvents(store, { stream: { aggregateType: 'Order', aggregateId: '7' }, expectedVersion: 'any', events: [{ type: 'OrderPlaced', data: {} }], region: 'northeurope' });
    await telemetry!.shutdown();

    const traces = received.filter((r) => r.path === '/v1/traces').map((r) => r.body).join('');
    const metrics = received.filter((r) => r.path === '/v1/metrics').map((r) => r.body).join('');
    // OTLP protobuf carries names and attribute values as plain UTF-8.
    for (const text of ['eventlog.append', 'Order-7', 'eventlog-test', 'northeurope']) expect(traces).toContain(text);
    for (const text of ['eventlog.append.duration', 'eventlog.events.appended', 'eventlog-test']) expect(metrics).toContain(text);
  });
});
