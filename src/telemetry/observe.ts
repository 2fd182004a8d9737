import type { Meter } from '@opentelemetry/api';
import type { EventStore } from '../core/index.ts';
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

/** A store that reports what the service charged, as the Cosmos DB adapter does (request units, on its meter). */
export interface ReportsRequestCharge {
  readonly meter: { snapshot(): { requestCharge: number } };
}

export const reportsRequestCharge = (store: EventStore): store is EventStore & ReportsRequestCharge =>
  typeof (store as Partial<ReportsRequestCharge>).meter?.snapshot === 'function';

/** Request units charged so far, as a monotonic counter; nothing is registered for stores that do not report them. */
export const observeRequestCharge = (meter: Meter, region: string, store: EventStore): void => {
  if (!reportsRequestCharge(store)) return;
  meter
    .createObservableCounter(METRICS.requestCharge, { description: 'Request units Cosmos DB charged for this app\u2019s requests', unit: '{RU}' })
    .addCallback((observer) => observer.observe(store.meter.snapshot().requestCharge, { [ATTRIBUTES.store]: store.kind, [ATTRIBUTES.region]: region }));
};
