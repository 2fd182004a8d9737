import { context, metrics, trace } from '@opentelemetry/api';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Logger } from '../core/index.ts';
import { packageInfo } from '../packageInfo.ts';
import { telemetryEnabled, type TelemetryPlan } from './config.ts';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createTelemetry, type Telemetry } from './telemetry.ts';

export interface StartTelemetryOptions {
  region: string;
  logger: Logger;
}

type Exporter = TelemetryPlan['traces'][number];

// The SDK and exporters are imported only when telemetry is on: off, it costs one environment check.

/** Options of both Azure Monitor exporters: where to send, and the identity to sign with when local auth is off. */
const azureMonitorOptions = async (plan: TelemetryPlan) => {
  if (plan.entraAuth === undefined) return { connectionString: plan.connectionString };
  const identity = await import('@azure/identity');
  const credential =
    plan.entraAuth.clientId === undefined ? new identity.DefaultAzureCredential() : new identity.ManagedIdentityCredential({ clientId: plan.entraAuth.clientId });
  return { connectionString: plan.connectionString, credential };
};

const spanExporter = async (name: Exporter, plan: TelemetryPlan): Promise<SpanExporter> => {
  switch (name) {
    case 'console':
      return new (await import('@opentelemetry/sdk-trace-base')).ConsoleSpanExporter();
    case 'otlp':
      return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter(plan.otlpTracesUrl === undefined ? {} : { url: plan.otlpTracesUrl });
    case 'azuremonitor':
      return new (await import('@azure/monitor-opentelemetry-exporter')).AzureMonitorTraceExporter(await azureMonitorOptions(plan));
  }
};

const metricExporter = async (name: Exporter, plan: TelemetryPlan): Promise<PushMetricExporter> => {
  switch (name) {
    case 'console':
      return new (await import('@opentelemetry/sdk-metrics')).ConsoleMetricExporter();
    case 'otlp':
      return new (await import('@opentelemetry/exporter-metrics-otlp-http')).OTLPMetricExporter(plan.otlpMetricsUrl === undefined ? {} : { url: plan.otlpMetricsUrl });
    case 'azuremonitor':
      return new (await import('@azure/monitor-opentelemetry-exporter')).AzureMonitorMetricExporter(await azureMonitorOptions(plan));
  }
};

/**
 * Starts the OpenTelemetry SDK as the plan says (config.ts: from the environment) and registers it globally, so log
 * lines carry the active trace id. Returns undefined when no exporter is enabled, the default.
 */
export const startTelemetry = async (plan: TelemetryPlan, options: StartTelemetryOptions): Promise<Telemetry | undefined> => {
  if (!telemetryEnabled(plan)) return undefined;
  const [traceSdk, metricsSdk, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/sdk-metrics'),
    import('@opentelemetry/resources'),
  ]);
  const resource = resourceFromAttributes({
    'service.name': plan.serviceName,
    'service.version': packageInfo.version,
    'cloud.region': options.region,
  });

  const spanProcessors: SpanProcessor[] = await Promise.all(
    plan.traces.map(async (name) => {
      const exporter = await spanExporter(name, plan);
      // The console is for watching: show spans as they end rather than in batches.
      return name === 'console' ? new traceSdk.SimpleSpanProcessor(exporter) : new traceSdk.BatchSpanProcessor(exporter);
    }),
  );
  const tracerProvider = spanProcessors.length === 0 ? undefined : new traceSdk.BasicTracerProvider({ resource, spanProcessors });
  const readers = await Promise.all(
    plan.metrics.map(async (name) => new metricsSdk.PeriodicExportingMetricReader({ exporter: await metricExporter(name, plan), exportIntervalMillis: plan.exportIntervalMs })),
  );
  const meterProvider = readers.length === 0 ? undefined : new metricsSdk.MeterProvider({ resource, readers });

  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  if (tracerProvider !== undefined) trace.setGlobalTracerProvider(tracerProvider);
  if (meterProvider !== undefined) metrics.setGlobalMeterProvider(meterProvider);
  options.logger.info('telemetry on', { traces: plan.traces.join(',') || 'none', metrics: plan.metrics.join(',') || 'none' });

  return createTelemetry({
    // With a signal off, the API's no-op tracer or meter stands in.
    tracer: trace.getTracer(packageInfo.name, packageInfo.version),
    meter: metrics.getMeter(packageInfo.name, packageInfo.version),
    region: options.region,
    logger: options.logger,
    shutdown: async () => {
      await Promise.allSettled([tracerProvider?.shutdown(), meterProvider?.shutdown()]);
    },
  });
};
