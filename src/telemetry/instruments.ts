import type { Counter, Histogram, Meter } from '@opentelemetry/api';

// Names follow the OpenTelemetry conventions (lower case, dot-separated, unit apart); docs/telemetry.md lists them.

export const METRICS = {
  appendDuration: 'eventlog.append.duration',
  eventsAppended: 'eventlog.events.appended',
  conflicts: 'eventlog.append.conflicts',
  projectionLag: 'eventlog.projection.lag',
  projectionHalted: 'eventlog.projection.halted',
  requestCharge: 'eventlog.cosmos.request_charge',
  cosmosRequests: 'eventlog.cosmos.requests',
} as const;

export const ATTRIBUTES = {
  store: 'eventlog.store',
  region: 'eventlog.region',
  aggregateType: 'eventlog.aggregate_type',
  outcome: 'eventlog.outcome',
  projection: 'eventlog.projection',
  streamId: 'eventlog.stream_id',
  eventCount: 'eventlog.event_count',
  expectedVersion: 'eventlog.expected_version',
  version: 'eventlog.version',
  correlationId: 'eventlog.correlation_id',
  causationId: 'eventlog.causation_id',
  cosmosOperation: 'eventlog.cosmos.operation',
  cosmosContainer: 'eventlog.cosmos.container',
} as const;

export interface AppendInstruments {
  duration: Histogram;
  eventsAppended: Counter;
  conflicts: Counter;
}

export const appendInstruments = (meter: Meter): AppendInstruments => ({
  duration: meter.createHistogram(METRICS.appendDuration, {
    description: 'Time the store took to append one request, conflicts and failures included',
    unit: 'ms',
    advice: { explicitBucketBoundaries: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000] },
  }),
  eventsAppended: meter.createCounter(METRICS.eventsAppended, { description: 'Events written to the log', unit: '{event}' }),
  conflicts: meter.createCounter(METRICS.conflicts, {
    description: 'Appends refused because the expected version did not hold (including those the server retried for "any")',
    unit: '{append}',
  }),
});
