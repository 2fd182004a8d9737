import { join } from 'node:path';
import { routeTable } from '../api/routes.ts';
import type { AppDefinition } from '../app/createApp.ts';
import { openApp, type EventLogApp } from '../app/openApp.ts';
import type { Config } from '../config.ts';
import { silentLogger, type Logger } from '../core/index.ts';
import { startLocalHost, type LocalHost } from '../local/server.ts';
import { openSubjectKeyStore } from '../stores/openSubjectKeyStore.ts';
import { reconcileConflicts, type ReconcileReport } from '../reconciliation/reconciler.ts';
import { RegionalAccount, type RegionalAccountOptions } from './account.ts';
import { regionRoutes, type RegionServices } from './adminRoutes.ts';

// Several regions of the product on one machine: one simulated account, and per region the product's
// own composition (openApp) over that region's endpoint, with its own views, projections, REGION and
// local host, plus the operator routes of the account.

export interface RegionSimulationOptions {
  /** The configuration every region starts from; each gets its own REGION, and files under `{DATA_DIR}/regions/{region}`. */
  config: Config;
  account: Omit<RegionalAccountOptions, 'dataDir'>;
  /** Port of each region's host, in the order of `account.regions`; 0 (the default) picks a free one. */
  ports?: readonly number[];
  /** The app every region runs (its reconciliation policies included): the product, as a rule. */
  definition: AppDefinition;
  logger?: Logger;
  /** How often replication runs. */
  replicateEveryMs?: number;
  /** How often each region's reconciler runs by itself (like the timer function in Azure); 0: only when asked. */
  reconcileEveryMs?: number;
}

export interface RegionHost {
  region: string;
  url: string;
  app: EventLogApp;
  services: RegionServices;
  reconcile(): Promise<ReconcileReport>;
}

export interface RegionSimulation {
  account: RegionalAccount;
  hosts: RegionHost[];
  host(region: string): RegionHost;
  close(): Promise<void>;
}

/** Runs a region's reconciler one run at a time: a run asked for while one is under way joins it. */
const serialized = (run: () => Promise<ReconcileReport>): (() => Promise<ReconcileReport>) => {
  let running: Promise<ReconcileReport> | undefined;
  return () => (running ??= run().finally(() => (running = undefined)));
};

export const startRegionSimulation = async (options: RegionSimulationOptions): Promise<RegionSimulation> => {
  const logger = options.logger ?? silentLogger;
  const root = join(options.config.DATA_DIR, 'regions');
  const account = new RegionalAccount({ ...options.account, dataDir: root });
  // One key store for every region, as every Azure region reads the one vault: a region must open what another sealed.
  const subjectKeys = await openSubjectKeyStore({ ...options.config, DATA_DIR: root });
  const hosts: RegionHost[] = [];
  const servers: LocalHost[] = [];
  const timers: NodeJS.Timeout[] = [];
  const unsubscribe: Array<() => void> = [];

  const close = async (): Promise<void> => {
    for (const timer of timers) clearInterval(timer);
    unsubscribe.forEach((stop) => stop());
    account.stop();
    for (const server of servers) await server.close();
    for (const host of hosts) await host.app.close();
    await subjectKeys.close();
    await account.close();
  };

  try {
    for (const [index, region] of account.regions.entries()) {
      // Side effects (activation mail) run in the first region only, as the templates deploy them.
      const config: Config = {
        ...options.config,
        REGION: region,
        DATA_DIR: join(root, region),
        PORT: options.ports?.[index] ?? 0,
        REACTORS_ENABLED: options.config.REACTORS_ENABLED && index === 0,
      };
      const app = await openApp(config, options.definition, { eventStore: account.endpoint(region), conflicts: account.conflicts, logger, subjectKeys });
      const reconcile = serialized(() =>
        reconcileConflicts({ feed: account.conflicts, store: account.endpoint(region), region, policies: options.definition.reconciliation, logger }),
      );
      const services: RegionServices = { ...app.services, account, reconcile };
      const host: RegionHost = { region, url: '', app, services, reconcile };
      hosts.push(host);
      // Events this replica had were taken away (a healed region, a lost branch): its views are rebuilt.
      unsubscribe.push(
        account.onRewrite((rewritten) => {
          if (rewritten !== region) return;
          for (const name of app.consumers.projectionNames)
            app.consumers.requestRebuild(name).catch((error: unknown) => logger.warn('rebuild request failed', { region, projection: name, error: String(error) }));
        }),
      );
      app.start();
      const server = await startLocalHost({
        routes: routeTable([...regionRoutes, ...app.definition.routes]),
        services,
        keys: { apiKey: config.API_KEY, adminKey: config.ADMIN_KEY },
        port: config.PORT,
        logger,
      });
      servers.push(server);
      host.url = server.url;
      if (options.reconcileEveryMs)
        timers.push(
          setInterval(
            () =>
              void reconcile().catch((error: unknown) => logger.warn('reconciler run failed', { region, error: String(error) })),
            options.reconcileEveryMs,
          ),
        );
    }
    account.start(options.replicateEveryMs ?? 20);
  } catch (error) {
    await close();
    throw error;
  }

  return {
    account,
    hosts,
    host: (region) => {
      const found = hosts.find((h) => h.region === region);
      if (found === undefined) throw new Error(`no host for region ${region}`);
      return found;
    },
    close,
  };
};
