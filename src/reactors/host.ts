import type { Logger } from '../api/dispatch.ts';
import type { Config } from '../config.ts';
import type { EventStore, GlobalLog, ViewStore } from '../core/index.ts';
import type { ProjectionRuntime } from '../projections/runtime.ts';
import { activationMailReactor } from './activationMail.ts';
import type { Mailer } from './mailer.ts';
import { openMailer } from './openMailer.ts';
import { ReactorRegistry } from './reactorControl.ts';
import { ReactorPoller } from './reactorPoller.ts';
import { ReactorRunner } from './reactorRunner.ts';
import { ReservationSweeper } from './reservationSweeper.ts';

export interface ReactorHostOptions {
  config: Config;
  store: EventStore;
  views: ViewStore;
  /** Reads views for the reservation sweep. */
  projections: Pick<ProjectionRuntime, 'readView'>;
  /** The global log, where the host has one: the local host then delivers events itself. */
  log?: GlobalLog;
  logger: Logger;
  /** Replaces the configured mailer (tests). */
  mailer?: Mailer;
  breaker?: { failureThreshold: number; openMs: number };
}

export interface ReactorHost {
  registry: ReactorRegistry;
  /** Starts the local delivery loops and the periodic sweep (local host only; Azure runs triggers and a timer). */
  start(): void;
  /** New events were appended in this process. */
  wake(): void;
  stop(): Promise<void>;
}

/** The side-effect consumers of a host, wired from the configuration. */
export const openReactors = async (options: ReactorHostOptions): Promise<ReactorHost> => {
  const { config } = options;
  const mailer = options.mailer ?? (await openMailer(config));
  const activationMail = new ReactorRunner({
    definition: activationMailReactor({ store: options.store, mailer, region: config.REGION, breaker: options.breaker }),
    views: options.views,
    maxAttempts: config.PROJECTION_MAX_ATTEMPTS,
    log: options.log,
  });
  const registry = new ReactorRegistry([activationMail]);
  const poller =
    options.log && config.REACTORS_ENABLED ? new ReactorPoller({ runners: registry.runners, log: options.log, logger: options.logger }) : undefined;
  const sweeper = config.REACTORS_ENABLED
    ? new ReservationSweeper({
        store: options.store,
        projections: options.projections,
        region: config.REGION,
        reservationTimeoutMs: config.EMAIL_RESERVATION_TIMEOUT_SECONDS * 1000,
        intervalMs: config.EMAIL_RESERVATION_SWEEP_SECONDS * 1000,
        logger: options.logger,
      })
    : undefined;
  return {
    registry,
    start: () => {
      poller?.start();
      sweeper?.start();
    },
    wake: () => poller?.wake(),
    stop: async () => {
      await Promise.all([poller?.stop(), sweeper?.stop()]);
    },
  };
};
