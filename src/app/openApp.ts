import type { ApiServices } from '../api/services.ts';
import type { Config } from '../config.ts';
import {
  CachedSubjectKeys,
  describeError,
  eraseSubject,
  hasGlobalLog,
  feedSourceOf,
  hasStreamArchive,
  isReplaySource,
  PersonalDataCodec,
  protectPersonalData,
  silentLogger,
  Snapshots,
  type EventEnvelope,
  type EventStore,
  type Logger,
  type ReplaySource,
  type StartedReactor,
  type SubjectKeyStore,
} from '../core/index.ts';
import { signalAppends } from '../consumers/appendSignal.ts';
import { EventFeed } from '../consumers/feed/eventFeed.ts';
import { ConsumerGroups } from '../consumers/groups/consumerGroups.ts';
import { Signal } from '../consumers/signal.ts';
import { declaredFields, ViewQueries } from '../consumers/views/viewQueries.ts';
import { LogFollower } from '../consumers/follower.ts';
import { globalLogReplay } from '../consumers/globalLogReplay.ts';
import { ConsumerRuntime } from '../consumers/runtime.ts';
import { packageInfo } from '../packageInfo.ts';
import { withArchivedReads } from '../lifecycle/archivedStore.ts';
import { streamLifecycle, type AppLifecycle } from '../lifecycle/streamLifecycle.ts';
import { openColdStorage } from '../stores/openColdStorage.ts';
import { openEventStore } from '../stores/openEventStore.ts';
import { openProjectionStorage } from '../stores/openProjectionStorage.ts';
import { openSnapshotStore } from '../stores/openSnapshotStore.ts';
import { openSubjectKeyStore } from '../stores/openSubjectKeyStore.ts';
import { countConflicts, type ConflictFeed } from '../reconciliation/conflictFeed.ts';
import type { Telemetry } from '../telemetry/telemetry.ts';
import type { AppDefinition } from './createApp.ts';
import { TimerRunner } from './timers.ts';

export interface EventLogApp {
  config: Config;
  definition: AppDefinition;
  services: ApiServices;
  /** Projections and reactors: the runtime both hosts hand batches to. */
  consumers: ConsumerRuntime;
  /** The whole log for rebuilds, where the event store can replay it (archived events first). */
  replay: ReplaySource | undefined;
  /** Opens the personal fields of events read from the store directly (the change-feed trigger's documents). */
  openEvents: <E extends EventEnvelope>(events: readonly E[]) => Promise<E[]>;
  /** Archive, close and delete streams; absent where the store keeps no archive records (a simulated region). */
  lifecycle: AppLifecycle | undefined;
  /** Starts following the log into the consumers and the module timers (local host); Azure runs triggers instead. */
  start(): void;
  close(): Promise<void>;
}

export interface OpenAppOptions {
  logger?: Logger;
  /** The conflicts feed health counts (the simulation's); with EVENT_STORE=cosmos the account's, opened on first use. */
  conflicts?: ConflictFeed;
  /** Spans and metrics around the store and the consumers (src/telemetry); absent when telemetry is off. */
  telemetry?: Pick<Telemetry, 'instrumentStore' | 'observeProjections' | 'observeRequestCharge'>;
  /** A store opened by the caller instead of the configured one (a region of the simulation in src/simulation). */
  eventStore?: EventStore;
  /** SSE streams of `GET /api/feed`: heartbeat interval and how long one stream lasts (tests shorten them). */
  feedStream?: { heartbeatMs?: number; streamMs?: number };
  /**
   * A subject key store opened by the caller instead of the configured one, and closed by it: every
   * process that reads a log must share its keys (the simulation's regions share one, as Azure's share the vault).
   */
  subjectKeys?: SubjectKeyStore;
}

/** Starts every reactor of the app with the host's context (its mailer, its client). */
const startReactors = async (definition: AppDefinition, context: Parameters<StartedReactor['definition']['start']>[0]): Promise<StartedReactor[]> =>
  Promise.all(definition.reactors.map(async (reactor) => ({ definition: reactor, handler: await reactor.start(context) })));

/** Health looks at the conflicts feed at most this often: counting reads the feed. */
const CONFLICT_COUNT_TTL_MS = 30_000;

/** How many conflicts wait in the account's feed, for health; nothing where the store has no conflicts feed. */
const conflictCounter = (config: Config, given: ConflictFeed | undefined): { count?: () => Promise<number>; close(): void } => {
  if (given === undefined && config.EVENT_STORE !== 'cosmos') return { close: () => {} };
  let opened: Promise<{ feed: ConflictFeed; close(): void }> | undefined = given && Promise.resolve({ feed: given, close: () => {} });
  let counted: { at: number; count: Promise<number> } | undefined;
  return {
    count: () => {
      if (counted === undefined || Date.now() - counted.at > CONFLICT_COUNT_TTL_MS) {
        opened ??= import('../reconciliation/cosmosConflictFeed.ts').then(({ openCosmosConflictFeed }) => openCosmosConflictFeed(config));
        const count = opened.then(({ feed }) => countConflicts(feed));
        count.catch(() => (counted = undefined));
        counted = { at: Date.now(), count };
      }
      return counted.count;
    },
    close: () => void opened?.then((feed) => feed.close(), () => {}),
  };
};

/**
 * Where the app declares personal data: the store seals it on append and opens it on every read, and
 * erasure deletes a subject's key. Without declarations the store is used as it is and no key store opens.
 */
const withPersonalData = async (config: Config, definition: AppDefinition, store: EventStore, given: SubjectKeyStore | undefined) => {
  if (definition.personalData.size === 0)
    return { store, openEvents: async <E extends EventEnvelope>(events: readonly E[]) => [...events], erasure: undefined, close: async () => {} };
  const keys = given ?? (await openSubjectKeyStore(config));
  const cached = new CachedSubjectKeys(keys);
  const codec = new PersonalDataCodec({ declarations: definition.personalData, keys: cached, log: store });
  const protectedStore = protectPersonalData(store, codec);
  return {
    store: protectedStore,
    openEvents: <E extends EventEnvelope>(events: readonly E[]) => codec.open(events),
    erasure: (subjectId: string) =>
      eraseSubject({ store: protectedStore, keys, region: config.REGION, beforeErasure: definition.beforeErasure, onErased: (id) => cached.forget(id) }, subjectId),
    close: async () => {
      if (given === undefined) await keys.close();
    },
  };
};

/** The running app both hosts share: configuration and app definition in, wired services out. */
export const openApp = async (config: Config, definition: AppDefinition, options: OpenAppOptions = {}): Promise<EventLogApp> => {
  const logger = options.logger ?? silentLogger;
  const opened = options.eventStore ?? (await openEventStore(config));
  // Archived events are read back from cold storage beneath everything else, so every reader sees them
  // (sealed, as the log holds them: the personal data layer above opens both alike).
  const cold = hasStreamArchive(opened) ? await openColdStorage(config) : undefined;
  const readable = hasStreamArchive(opened) && cold !== undefined ? withArchivedReads(opened, cold) : opened;
  const personal = await withPersonalData(config, definition, readable, options.subjectKeys);
  const instrumented = options.telemetry?.instrumentStore(personal.store) ?? personal.store;
  const log = hasGlobalLog(instrumented) ? instrumented : undefined;
  const logReplay: ReplaySource | undefined = log ? globalLogReplay(log) : isReplaySource(instrumented) ? instrumented : undefined;
  // Appends in this process wake the follower at once instead of after its idle interval.
  let follower: LogFollower | undefined;
  // Feed readers and consumer groups waiting in this process look at once too.
  const appended = new Signal();
  const store = logReplay
    ? signalAppends(instrumented, () => {
        follower?.wake();
        appended.notify();
      })
    : instrumented;
  const lifecycle =
    hasStreamArchive(opened) && hasStreamArchive(store)
      ? streamLifecycle({ hot: opened, store, cold, region: config.REGION, logger, openArchived: personal.openEvents })
      : undefined;
  const replay = logReplay && lifecycle ? lifecycle.replay(logReplay) : logReplay;

  const storage = await openProjectionStorage(config);
  // The views account's request units, where it is another account than the log's (Cosmos DB only).
  options.telemetry?.observeRequestCharge(storage);
  const snapshotStore = definition.aggregates.some((a) => a.decider.snapshot !== undefined) ? await openSnapshotStore(config) : undefined;
  const snapshots =
    snapshotStore && new Snapshots(snapshotStore, { onError: (error, at) => logger.warn('snapshot skipped', { ...at, error: String(error) }) });
  const consumers = new ConsumerRuntime({
    projections: definition.projections,
    // Side effects run in one region only (REACTORS_ENABLED): elsewhere the reactors are not started at all.
    reactors: config.REACTORS_ENABLED ? await startReactors(definition, { store, region: config.REGION, logger }) : [],
    views: storage.views,
    checkpoints: storage.checkpoints,
    region: config.REGION,
    maxAttempts: config.PROJECTION_MAX_ATTEMPTS,
    log,
  });
  options.telemetry?.observeProjections(() => consumers.entries());

  if (logReplay !== undefined)
    follower = new LogFollower({
      runtime: consumers,
      // Live passes follow the log by its global position; a source with opaque cursors (the change feed)
      // is read through the archive replay for both, so every cursor the follower saves is of one kind.
      ...(log ? { log } : { source: replay! }),
      rebuildSource: replay,
      logger,
      // An idle look at the Cosmos DB change feed costs request units: look less often (appends here wake it at once).
      idleMs: log ? 100 : 1_000,
    });
  const timers = new TimerRunner({
    timers: definition.timers.filter((timer) => config.REACTORS_ENABLED || !timer.sideEffects),
    context: { store, consumers, region: config.REGION, logger },
  });

  const feedSource = feedSourceOf(store);
  // Appends elsewhere (another instance, another process on the same file) are seen by polling: less often on Cosmos DB, where a look costs request units.
  const pollMs = log ? 100 : 1_000;
  const feed = new EventFeed({ source: feedSource, region: config.REGION, appended, pollMs, ...options.feedStream });
  const groups = new ConsumerGroups({ store: storage.groups, source: feedSource, region: config.REGION, appended, pollMs });
  await storage.queries.prepareFields(declaredFields(definition.projections));
  const viewQueries = new ViewQueries({ projections: definition.projections, checkpoints: storage.checkpoints, store: storage.queries, region: config.REGION });

  const conflicts = conflictCounter(config, options.conflicts);
  const services: ApiServices = {
    eventStore: store,
    region: config.REGION,
    version: packageInfo.version,
    consumers,
    snapshots,
    pendingConflicts: conflicts.count,
    appendPolicy: definition.appendPolicy,
    feed,
    groups,
    viewQueries,
    ...(personal.erasure === undefined ? {} : { eraseSubject: personal.erasure }),
    lifecycle: lifecycle?.operations,
  };
  return {
    config,
    definition,
    services,
    consumers,
    replay,
    openEvents: personal.openEvents,
    lifecycle,
    start: () => {
      follower?.start();
      timers.start();
    },
    close: async () => {
      await timers.stop();
      await follower?.stop();
      // Counts held back from the consumers' shared records; a store that is down loses only those counts.
      await consumers.flush().catch((error: unknown) => logger.warn('consumer counts not written at close', { error: describeError(error) }));
      await snapshots?.idle();
      conflicts.close();
      await store.close();
      await personal.close();
      await snapshotStore?.close();
      await storage.close();
    },
  };
};
