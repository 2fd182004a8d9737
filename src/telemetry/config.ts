import { z } from 'zod';
import { ConfigError } from '../config.ts';

// Telemetry settings use the standard OpenTelemetry and Application Insights variable names, so the
// usual tooling (an OTLP collector, the Function App's connection string) configures it as is.

export const EXPORTERS = ['console', 'otlp', 'azuremonitor', 'none'] as const;
export type ExporterName = (typeof EXPORTERS)[number];

const exporterList = z
  .string()
  .transform((value) => value.split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== ''))
  .pipe(z.array(z.enum(EXPORTERS, { error: `must be a comma-separated list of ${EXPORTERS.join(', ')}` })));

const TelemetryEnv = z.object({
  APPLICATIONINSIGHTS_CONNECTION_STRING: z.string().min(1).optional(),
  // As the Functions host reads it: Entra ID (AAD) auth for ingestion, when the resource has local auth disabled.
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: z
    .string()
    .regex(/^Authorization=AAD(;ClientId=[^;]+)?;?$/i, 'must be Authorization=AAD, optionally with ;ClientId=<user-assigned identity>')
    .optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
  OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: z.url().optional(),
  OTEL_TRACES_EXPORTER: exporterList.optional(),
  OTEL_METRICS_EXPORTER: exporterList.optional(),
  OTEL_SDK_DISABLED: z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('eventlog'),
  OTEL_METRIC_EXPORT_INTERVAL: z.coerce.number().int().min(100, 'must be at least 100 (ms)').default(60_000),
});

export interface TelemetryPlan {
  traces: Exclude<ExporterName, 'none'>[];
  metrics: Exclude<ExporterName, 'none'>[];
  serviceName: string;
  connectionString?: string;
  /** Sign Azure Monitor ingestion with Entra ID: the app's managed identity (a user-assigned one by its client id). */
  entraAuth?: { clientId?: string };
  /** OTLP/HTTP URLs; undefined leaves the exporter's default (http://localhost:4318/v1/...). */
  otlpTracesUrl?: string;
  otlpMetricsUrl?: string;
  exportIntervalMs: number;
}

const entraAuthOf = (setting: string | undefined): TelemetryPlan['entraAuth'] => {
  if (setting === undefined) return undefined;
  const clientId = /ClientId=([^;]+)/i.exec(setting)?.[1];
  return clientId === undefined ? {} : { clientId };
};

const signalUrl = (specific: string | undefined, base: string | undefined, signal: 'traces' | 'metrics'): string | undefined =>
  specific ?? (base === undefined ? undefined : `${base.replace(/\/+$/, '')}/v1/${signal}`);

const chosen = (explicit: ExporterName[] | undefined, defaults: Exclude<ExporterName, 'none'>[]) =>
  [...new Set(explicit ?? defaults)].filter((name): name is Exclude<ExporterName, 'none'> => name !== 'none');

/**
 * Which exporters to start. Nothing is exported unless asked for: Azure Monitor when
 * APPLICATIONINSIGHTS_CONNECTION_STRING is set, OTLP when an OTLP endpoint is set, and whatever
 * OTEL_TRACES_EXPORTER / OTEL_METRICS_EXPORTER name (`console` to watch locally; `none` turns a signal off).
 */
export const telemetryPlan = (env: Record<string, string | undefined>): TelemetryPlan => {
  const values = Object.fromEntries(Object.entries(env).filter(([name, value]) => name in TelemetryEnv.shape && value !== undefined && value !== ''));
  const parsed = TelemetryEnv.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0]);
    throw new ConfigError(`Invalid configuration: ${name} ${issue.message} (got "${values[name]}")`);
  }
  const config = parsed.data;
  const disabled = config.OTEL_SDK_DISABLED === 'true';
  const defaults = (endpoint: string | undefined): Exclude<ExporterName, 'none'>[] => [
    ...(config.APPLICATIONINSIGHTS_CONNECTION_STRING === undefined ? [] : (['azuremonitor'] as const)),
    ...(config.OTEL_EXPORTER_OTLP_ENDPOINT === undefined && endpoint === undefined ? [] : (['otlp'] as const)),
  ];
  const plan: TelemetryPlan = {
    traces: disabled ? [] : chosen(config.OTEL_TRACES_EXPORTER, defaults(config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)),
    metrics: disabled ? [] : chosen(config.OTEL_METRICS_EXPORTER, defaults(config.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT)),
    serviceName: config.OTEL_SERVICE_NAME,
    connectionString: config.APPLICATIONINSIGHTS_CONNECTION_STRING,
    entraAuth: entraAuthOf(config.APPLICATIONINSIGHTS_AUTHENTICATION_STRING),
    otlpTracesUrl: signalUrl(config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, config.OTEL_EXPORTER_OTLP_ENDPOINT, 'traces'),
    otlpMetricsUrl: signalUrl(config.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, config.OTEL_EXPORTER_OTLP_ENDPOINT, 'metrics'),
    exportIntervalMs: config.OTEL_METRIC_EXPORT_INTERVAL,
  };
  if ([...plan.traces, ...plan.metrics].includes('azuremonitor') && plan.connectionString === undefined)
    throw new ConfigError('Invalid configuration: APPLICATIONINSIGHTS_CONNECTION_STRING is required to export to azuremonitor');
  return plan;
};

export const telemetryEnabled = (plan: TelemetryPlan): boolean => plan.traces.length > 0 || plan.metrics.length > 0;
