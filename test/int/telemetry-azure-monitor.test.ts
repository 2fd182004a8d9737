import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvents } from '../../src/core/index.ts';
import { silentLogger } from '../../src/core/index.ts';
import { MemoryEventStore } from '../../src/stores/memory/memoryEventStore.ts';
import { telemetryPlan } from '../../src/telemetry/config.ts';
import { startTelemetry } from '../../src/telemetry/sdk.ts';
import { recordExports, type Received } from '../support/telemetryCollector.ts';
import { tempDir } from '../support/http.ts';

// The SDK as the hosts start it, exporting to an ingestion endpoint on loopback: what leaves the
// process. One start per file (the SDK registers itself globally): OTLP has its own, telemetry-otlp.test.ts. The exporter
// speaks HTTPS only, so the endpoint has a throwaway self-signed certificate made with openssl.

const OPENSSL = '/usr/bin/openssl';
const available = existsSync(OPENSSL);
if (!available) console.warn(`Azure Monitor export test skipped: ${OPENSSL} is not installed to make a test certificate`);

let collector: Server;
let url: string;
const received: Received[] = [];
let certDir: string;

beforeAll(async () => {
  if (!available) return;
  certDir = tempDir('eventlog-cert-');
  const [key, cert] = [join(certDir, 'key.pem'), join(certDir, 'cert.pem')];
  execFileSync(OPENSSL, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  // Only this test process trusts the throwaway certificate.
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  collector = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, recordExports(received));
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(collector.address() as AddressInfo).port}`;
});

afterAll(async () => {
  if (collector !== undefined) await new Promise((resolve) => collector.close(resolve));
  if (certDir !== undefined) rmSync(certDir, { recursive: true, force: true });
});

describe.skipIf(!available)('telemetry exported to Azure Monitor (Application Insights)', () => {
  it('sends the append span and the append metrics to the ingestion endpoint of the connection string', async () => {
    // The exporter's own usage reporting (statsbeat) would call Microsoft's endpoints: off in a test.
    for (const name of ['APPLICATION_INSIGHTS_NO_STATSBEAT', 'APPLICATIONINSIGHTS_STATSBEAT_DISABLED', 'APPLICATIONINSIGHTS_SDKSTATS_DISABLED']) process.env[name] = 'true';
    const connectionString = `InstrumentationKey=00000000-0000-4000-8000-000000000000;IngestionEndpoint=${url}/`;
    const plan = telemetryPlan({ APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString, OTEL_SERVICE_NAME: 'eventlog-test', OTEL_METRIC_EXPORT_INTERVAL: '60000' });
    expect(plan).toMatchObject({ traces: ['azuremonitor'], metrics: ['azuremonitor'] });
    const telemetry = await startTelemetry(plan, { region: 'northeurope', logger: silentLogger });
    expect(telemetry).toBeDefined();
    const store = telemetry!.instrumentStore(new MemoryEventStore());
    await appendEvents(store, { stream: { aggregateType: 'Order', aggregateId: '7' }, expectedVersion: 'any', events: [{ type: 'OrderPlaced', data: {} }], region: 'northeurope' });
    await telemetry!.shutdown();

    const sent = received.filter((r) => r.path.startsWith('/v2')).map((r) => r.body).join('');
    expect(received.map((r) => r.path)).toContain('/v2.1/track');
    for (const text of ['eventlog.append', 'Order-7', 'eventlog-test', 'eventlog.events.appended', 'eventlog.append.duration']) expect(sent).toContain(text);
  });
});
