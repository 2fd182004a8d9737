import type { ApiServices } from '../api/services.ts';
import type { Route } from '../api/types.ts';
import type { ConsumerControl, EventStore, Logger, ProjectionDefinition, ReactorDefinition } from '../core/index.ts';
import type { ReconciliationPolicy } from '../reconciliation/policies.ts';

// What a module (the reference domain, a team's own) brings to an app, as plain data. The app joins
// modules in one place (createApp); nothing registers itself by being imported.

/** An aggregate a module's commands decide on, by its type (the part of a stream id before `-`). */
export interface AggregateRegistration {
  aggregateType: string;
  /** What the app needs of its decider: whether it declares snapshots (the app then keeps a snapshot store). */
  decider: { snapshot?: object };
}

/** What a timer gets from the host each time it runs. */
export interface TimerContext {
  store: EventStore;
  consumers: Pick<ConsumerControl, 'readView'>;
  region: string;
  logger: Logger;
}

/** What a timer run found worth a log line (nothing: undefined). */
export interface TimerReport {
  level: 'info' | 'warn';
  message: string;
  fields: Record<string, unknown>;
}

/** A periodic job: a timer function in Azure, an interval in the local host. */
export interface TimerDefinition {
  /** The function's name in Azure. */
  name: string;
  /** NCRONTAB schedule of the Azure timer trigger (six fields, seconds first). */
  schedule: string;
  /** The local host's interval. */
  intervalMs: number;
  /** A job with side effects runs only where REACTORS_ENABLED is true, like the reactors. */
  sideEffects: boolean;
  run(context: TimerContext): Promise<TimerReport | undefined>;
}

export interface AppModule {
  /** For error messages when modules clash. */
  name: string;
  routes?: readonly Route<ApiServices>[];
  aggregates?: readonly AggregateRegistration[];
  projections?: readonly ProjectionDefinition[];
  reactors?: readonly ReactorDefinition[];
  timers?: readonly TimerDefinition[];
  /** How events a forced failover lost are settled, by aggregate type (default: appended again). */
  reconciliation?: Readonly<Record<string, ReconciliationPolicy>>;
}
