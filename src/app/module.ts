import type { z } from 'zod';
import type { ApiServices } from '../api/services.ts';
import type { Route } from '../api/types.ts';
import type {
  BeforeErasure,
  ConsumerControl,
  EventStore,
  Logger,
  PersonalDataDeclaration,
  ProjectionDefinition,
  ReactorDefinition,
  Upcasters,
} from '../core/index.ts';
import type { ReconciliationPolicy } from '../reconciliation/policies.ts';

// What a module (the reference domain, a team's own) brings to an app, as plain data. The app joins
// modules in one place (createApp); nothing registers itself by being imported.

/**
 * What the raw append route (`POST /api/streams/{aggregateType}/{aggregateId}/events`) may write to an
 * aggregate's streams:
 * - `allowed`: anything, as for a type no module registers;
 * - `validated`: only the registered event types, each with `data` matching its schema, at the type's
 *   current `schemaVersion` (400 naming the field otherwise);
 * - `commands-only`: nothing (403 `commands-only`): the aggregate's invariants span streams or need its
 *   commands (a unique email, a mail that was really sent), which an event written by hand cannot keep.
 */
export type RawAppendPolicy = 'allowed' | 'validated' | 'commands-only';

/** An aggregate a module's commands decide on, by its type (the part of a stream id before `-`). */
export interface AggregateRegistration {
  aggregateType: string;
  /**
   * What the app needs of its decider: whether it declares snapshots (the app then keeps a snapshot
   * store), and the schemaVersion its events are written at (its upcasters; 1 without).
   */
  decider: { snapshot?: object; upcasters?: Pick<Upcasters, 'currentVersion'> };
  /** The schema of each event type's `data`, by type: the domain's `Events` map, as its deciders read them. */
  events: Readonly<Record<string, z.ZodType>>;
  rawAppend: RawAppendPolicy;
  /** Its command routes (`defineAggregate` builds them); the app serves them with the module's own routes. */
  routes?: readonly Route<ApiServices>[];
  /**
   * The personal fields of its events, by event type, and whose they are: the log keeps them sealed
   * under that data subject's key, and erasing the subject erases them (src/core/personalData.ts).
   */
  personalData?: PersonalDataDeclaration;
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

/**
 * Everything a module adds to an app, as data: its routes, aggregates, views, reactors, timers and
 * reconciliation policies. `createApp` joins modules and checks them once, at start.
 */
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
  /** Work to do while an erased subject's key still exists (idempotent: an interrupted erasure runs it again). */
  beforeErasure?: BeforeErasure;
}
