import type { Meter } from '@opentelemetry/api';
import { ATTRIBUTES, METRICS } from './instruments.ts';

/** What the metrics need of a projection's status (an entry of GET /api/projections). */
export interface ProjectionStatusSample {
  name: string;
  status: 'running' | 'halted' | 'rebuilding';
  lag: number | null;
}

/**
 * Lag and halts of this region's projections, read when the metrics are collected (every export
 * interval), not on every batch. Each region's app reports its own, so lag is per region by the
 * region attribute. Where the lag is unknown (the Cosmos DB change feed) no lag point is reported.
 */
export const observeProjections = (meter: Meter, region: string, entries: () => Promise<ProjectionStatusSample[]>, onError: (error: unknown) => void): void => {
  const lag = meter.createObservableGauge(METRICS.projectionLag, { description: 'Events in the log not yet applied by the projection', unit: '{event}' });
  const halted = meter.createObservableGauge(METRICS.projectionHalted, {
    description: '1 while the projection is halted on a poison event, else 0; the sum is the number of halted projections',
    unit: '{projection}',
  });
  meter.addBatchObservableCallback(
    async (observer) => {
      let samples: ProjectionStatusSample[];
      try {
        samples = await entries();
      } catch (error) {
        onError(error);
        return;
      }
      for (const sample of samples) {
        const attributes = { [ATTRIBUTES.projection]: sample.name, [ATTRIBUTES.region]: region };
        if (sample.lag !== null) observer.observe(lag, sample.lag, attributes);
        observer.observe(halted, sample.status === 'halted' ? 1 : 0, attributes);
      }
    },
    [lag, halted],
  );
};

/** Requests and request units of one operation on one container, as the Cosmos DB adapter's meter keeps them. */
export interface OperationChargeSample {
  operation: string;
  container: string;
  requests: number;
  requestCharge: number;
}

/** Something that reports what the service charged it, as the Cosmos DB stores do (their account's request meter). */
export interface ReportsRequestCharge {
  readonly meter: { snapshot(): { byOperation: readonly OperationChargeSample[] } };
}

export const reportsRequestCharge = (source: unknown): source is ReportsRequestCharge =>
  typeof (source as Partial<ReportsRequestCharge> | undefined)?.meter?.snapshot === 'function';

/** The figures of every account's meter added up by operation and container (the metadata of two accounts share `-`). */
const totalsByOperation = (sources: Iterable<ReportsRequestCharge['meter']>): OperationChargeSample[] => {
  const totals = new Map<string, OperationChargeSample>();
  for (const source of sources)
    for (const entry of source.snapshot().byOperation) {
      const key = `${entry.operation}\u0000${entry.container}`;
      const total = totals.get(key);
      if (total === undefined) totals.set(key, { ...entry });
      else {
        total.requests += entry.requests;
        total.requestCharge += entry.requestCharge;
      }
    }
  return [...totals.values()];
};

/**
 * Request units and requests by operation and container, as monotonic counters read at collection time
 * from each account's meter (each meter once: the event store and the views share it when they share
 * the account). Nothing is registered until a source that reports charges is added.
 */
export const requestChargeObserver = (meter: Meter, region: string): ((source: unknown) => void) => {
  const sources = new Set<ReportsRequestCharge['meter']>();
  let registered = false;
  const register = (): void => {
    registered = true;
    const charge = meter.createObservableCounter(METRICS.requestCharge, {
      description: 'Request units Cosmos DB charged for this app\u2019s requests, by operation and container',
      unit: '{RU}',
    });
    const requests = meter.createObservableCounter(METRICS.cosmosRequests, {
      description: 'Requests this app sent to Cosmos DB (retries included), by operation and container',
      unit: '{request}',
    });
    meter.addBatchObservableCallback(
      (observer) => {
        for (const entry of totalsByOperation(sources)) {
          const attributes = {
            [ATTRIBUTES.store]: 'cosmos',
            [ATTRIBUTES.region]: region,
            [ATTRIBUTES.cosmosOperation]: entry.operation,
            [ATTRIBUTES.cosmosContainer]: entry.container,
          };
          observer.observe(charge, entry.requestCharge, attributes);
          observer.observe(requests, entry.requests, attributes);
        }
      },
      [charge, requests],
    );
  };
  return (source) => {
    if (!reportsRequestCharge(source)) return;
    sources.add(source.meter);
    if (!registered) register();
  };
};
