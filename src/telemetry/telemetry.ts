import type { Meter, Tracer } from '@opentelemetry/api';
import type { Logger } from '../core/index.ts';
import type { Route } from '../api/types.ts';
import type { EventStore } from '../core/index.ts';
import { appendInstruments } from './instruments.ts';
import { instrumentRoutes } from './instrumentRoutes.ts';
import { instrumentEventStore } from './instrumentStore.ts';
import { observeProjections, requestChargeObserver, type ProjectionStatusSample } from './observe.ts';

/** What the hosts use of telemetry; absent (undefined) when it is off, so nothing is wrapped at all. */
export interface Telemetry {
  /** The store with spans and append metrics; also reports its request charge when it has one. */
  instrumentStore<S extends EventStore>(store: S): S;
  /** The routes with a server span each. */
  instrumentRoutes<S>(routes: Route<S>[]): Route<S>[];
  /** Request units of another store that reports them (the Cosmos DB views account); each account once. */
  observeRequestCharge(source: unknown): void;
  /** Projection lag and halts, read at each metrics collection. */
  observeProjections(entries: () => Promise<ProjectionStatusSample[]>): void;
  /** Exports what is buffered, then stops. */
  shutdown(): Promise<void>;
}

export interface TelemetryParts {
  tracer: Tracer;
  meter: Meter;
  region: string;
  logger: Logger;
  shutdown?: () => Promise<void>;
}

/** Telemetry on given tracer and meter: the SDK's in the hosts (sdk.ts), in-memory ones in tests. */
export const createTelemetry = (parts: TelemetryParts): Telemetry => {
  const append = appendInstruments(parts.meter);
  const observeRequestCharge = requestChargeObserver(parts.meter, parts.region);
  return {
    instrumentStore: (store) => {
      observeRequestCharge(store);
      return instrumentEventStore(store, { tracer: parts.tracer, append, region: parts.region, logger: parts.logger });
    },
    observeRequestCharge,
    instrumentRoutes: (routes) => instrumentRoutes(routes, parts.tracer),
    observeProjections: (entries) =>
      observeProjections(parts.meter, parts.region, entries, (error) =>
        parts.logger.warn('projection metrics unavailable', { error: error instanceof Error ? error.message : String(error) }),
      ),
    shutdown: parts.shutdown ?? (async () => {}),
  };
};
