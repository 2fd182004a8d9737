import { apiRoutes, checkRoutes } from '../api/routes.ts';
import type { AppendPolicy, ApiServices } from '../api/services.ts';
import type { Route } from '../api/types.ts';
import {
  checkConsumerNames,
  checkPersonalData,
  checkProjectionCatalog,
  DATA_SUBJECT,
  DataSubjectEvents,
  type BeforeErasure,
  type PersonalDataDeclaration,
  type ProjectionDefinition,
  type ReactorDefinition,
} from '../core/index.ts';
import { streamProjection } from '../consumers/streamProjection.ts';
import { ReconciliationPolicies } from '../reconciliation/policies.ts';
import type { Config } from '../config.ts';
import { appendPolicyOf } from './appendPolicy.ts';
import type { AggregateRegistration, AppModule, TimerDefinition } from './module.ts';

/** An app: the product's generic API and built-in `stream` projection, joined with its modules. */
export interface AppDefinition {
  modules: readonly AppModule[];
  /** The app's HTTP routes; each host serves them with `openapi.json` added (`routeTable`). */
  routes: readonly Route<ApiServices>[];
  aggregates: readonly AggregateRegistration[];
  /** What the raw append route may write to the registered aggregate types. */
  appendPolicy: AppendPolicy;
  projections: readonly ProjectionDefinition[];
  reactors: readonly ReactorDefinition[];
  timers: readonly TimerDefinition[];
  reconciliation: ReconciliationPolicies;
  /** Aggregate type -> its personal fields; empty when no module declares any (then nothing is sealed). */
  personalData: ReadonlyMap<string, PersonalDataDeclaration>;
  beforeErasure: readonly BeforeErasure[];
}

/** The log's own record of erasures: written by the erasure operation only. */
const dataSubjects: AggregateRegistration = { aggregateType: DATA_SUBJECT, decider: {}, events: DataSubjectEvents, rawAppend: 'commands-only' };

/** The declared personal data, checked: a snapshot would keep the plain values outside the log, where no erasure reaches. */
const personalDataOf = (aggregates: readonly AggregateRegistration[]): Map<string, PersonalDataDeclaration> => {
  const declared = new Map<string, PersonalDataDeclaration>();
  for (const aggregate of aggregates) {
    if (aggregate.personalData === undefined) continue;
    checkPersonalData(aggregate.aggregateType, aggregate.personalData);
    if (aggregate.decider.snapshot !== undefined)
      throw new Error(`aggregate ${aggregate.aggregateType} declares personal data and snapshots: a snapshot would keep personal data where erasure does not reach`);
    declared.set(aggregate.aggregateType, aggregate.personalData);
  }
  return declared;
};

const unique = <T>(items: readonly T[], keyOf: (item: T) => string, what: string): void => {
  const seen = new Set<string>();
  for (const item of items) {
    const key = keyOf(item);
    if (seen.has(key)) throw new Error(`two ${what} are named ${key}`);
    seen.add(key);
  }
};

/** What `createApp` takes: the app's own declarations (one module without a name) and any further modules. */
export interface AppOptions extends Omit<AppModule, 'name'> {
  /** Names the app's own declarations in error messages (default `app`). */
  name?: string;
  /** Modules joined with the app's own declarations, such as a module shared by several apps. */
  modules?: readonly AppModule[];
}

const modulesOf = (input: readonly AppModule[] | AppOptions): readonly AppModule[] => {
  if (Array.isArray(input)) return input as readonly AppModule[];
  const { name = 'app', modules = [], ...own } = input as AppOptions;
  return [...modules, { name, ...own }];
};

/**
 * The one place modules are joined. Everything is checked here, once, so a clash (two routes or
 * consumers of one name, a projection name that starts another) fails the start, not a request.
 */
export function createApp(options: AppOptions): AppDefinition;
export function createApp(modules: readonly AppModule[]): AppDefinition;
export function createApp(input: readonly AppModule[] | AppOptions): AppDefinition {
  const modules = modulesOf(input);
  const all = <T>(pick: (module: AppModule) => readonly T[] | undefined): T[] => modules.flatMap((module) => pick(module) ?? []);
  const projections = [streamProjection, ...all((m) => m.projections)];
  const reactors = all((m) => m.reactors);
  checkProjectionCatalog(projections);
  // Projections and reactors share one namespace: GET /api/projections, lease prefixes, function names.
  checkConsumerNames([...projections, ...reactors].map((consumer) => consumer.name));
  const timers = all((m) => m.timers);
  unique(timers, (t) => t.name, 'timers');
  const aggregates = [...all((m) => m.aggregates), dataSubjects];
  unique(aggregates, (a) => a.aggregateType, 'aggregate registrations');
  const appendPolicy = appendPolicyOf(aggregates);
  const reconciliation = new ReconciliationPolicies();
  for (const module of modules)
    for (const [aggregateType, policy] of Object.entries(module.reconciliation ?? {})) reconciliation.register(aggregateType, policy);
  const routes = [...apiRoutes, ...all((m) => m.routes), ...aggregates.flatMap((a) => a.routes ?? [])];
  checkRoutes(routes);
  return {
    modules,
    routes,
    aggregates,
    appendPolicy,
    projections,
    reactors,
    timers,
    reconciliation,
    personalData: personalDataOf(aggregates),
    beforeErasure: all((m) => (m.beforeErasure === undefined ? [] : [m.beforeErasure])),
  };
}

/** An app as hosts take it: its definition, or a function of the configuration that builds it (to open a mailer, read a setting). */
export type AppSource = AppDefinition | ((config: Config) => AppDefinition);

/** The definition of `source` under `config`. */
export const definitionOf = (source: AppSource, config: Config): AppDefinition => (typeof source === 'function' ? source(config) : source);
