import type { Logger } from './api/dispatch.ts';
import type { ApiServices } from './api/services.ts';
import type { Config } from './config.ts';
import { hasGlobalLog, isReplaySource, type EventStore, type ProjectionDefinition, type ReplaySource } from './core/index.ts';
import { silentLogger } from './logger.ts';
import { packageInfo } from './packageInfo.ts';
import { signalAppends } from './projections/appendSignal.ts';
import { projectionCatalog } from './projections/catalog.ts';
import { globalLogReplay } from './projections/globalLogReplay.ts';
import { ProjectionPoller } from './projections/poller.ts';
import { ProjectionRuntime } from './projections/runtime.ts';
import { openEventStore } from './stores/openEventStore.ts';
import { openProjectionStorage } from './stores/openProjectionStorage.ts';
import { openReactors, type ReactorHost, type ReactorHostOptions } from './reactors/host.ts';
import { withReactors } from './reactors/reactorControl.ts';
import type { Telemetry } from './telemetry/telemetry.ts';

export interface EventLogApp {
  config: Config;
  services: ApiServices;
  projections: ProjectionRuntime;
  /** Side-effect consumers (activation mail) and the email reservation sweep. */
  reactors: ReactorHost;
  /** The whole log for rebuilds, where the event store can replay it. */
  replay: ReplaySource | undefined;
  /** Starts following the log into the views (local host); Azure runs the change-feed trigger instead. */
  startProjections(): void;
  close(): Promise<void>;
}

export interface OpenAppOptions {
  projections?: readonly ProjectionDefinition[];
  logger?: Logger;
  /** Spans and metrics around the store and the projections (src/telemetry); absent when telemetry is off. */
  telemetry?: Pick<Telemetry, 'instrumentStore' | 'observeProjections'>;
  /** Replaces the configured mailer or circuit settings (tests). */
  reactors?: Pick<ReactorHostOptions, 'mailer' | 'breaker'>;
  /** A store opened by the caller instead of the configured one (a region of the simulation in src/regions). */
  eventStore?: EventStore;
}

/** The composition root both hosts share: config in, wired services out. */
export const openApp = async (config: Config, options: OpenAppOptions = {}): Promise<EventLogApp> => {
  const opened = options.eventStore ?? (await openEventStore(config));
  const store = options.telemetry?.instrumentStore(opened) ?? opened;
  const storage = await openProjectionStorage(config);
  const log = hasGlobalLog(store) ? store : undefined;
  const projections = new ProjectionRuntime({
    projections: options.projections ?? projectionCatalog,
    views: storage.views,
    checkpoints: storage.checkpoints,
    region: config.REGION,
    maxAttempts: config.PROJECTION_MAX_ATTEMPTS,
    log,
  });
  options.telemetry?.observeProjections(() => projections.entries());
  const replay: ReplaySource | undefined = log ? globalLogReplay(log) : isReplaySource(store) ? store : undefined;
  // Without a global log (Cosmos DB) the poller follows the change feed, keeping its cursor with the checkpoints.
  // An idle look at the change feed costs request units, so it looks less often (appends here wake it at once).
  const source = log ? { log } : replay && { source: replay, checkpoints: storage.checkpoints, idleMs: 1_000 };
  const poller = source && new ProjectionPoller({ runtime: projections, ...source, logger: options.logger ?? silentLogger });
  let reactors: ReactorHost | undefined;
  const eventStore = poller ? signalAppends(store, () => (poller.wake(), reactors?.wake())) : store;
  reactors = await openReactors({ config, store: eventStore, views: storage.views, projections, log, logger: options.logger ?? silentLogger, ...options.reactors });
  const services: ApiServices = {
    eventStore,
    region: config.REGION,
    version: packageInfo.version,
    projections: withReactors(projections, reactors.registry),
    reactors: reactors.registry,
    domain: { reservationTimeoutMs: config.EMAIL_RESERVATION_TIMEOUT_SECONDS * 1000 },
  };
  return {
    config,
    services,
    projections,
    reactors,
    replay,
    startProjections: () => {
      poller?.start();
      reactors.start();
    },
    close: async () => {
      await reactors.stop();
      await poller?.stop();
      await eventStore.close();
      await storage.close();
    },
  };
};
