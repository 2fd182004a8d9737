import { app, type InvocationContext } from '@azure/functions';
import type { AppDefinition } from '../src/app/createApp.ts';
import type { EventLogApp } from '../src/app/openApp.ts';
import { runArchiveTimer } from '../src/app/archiveTimer.ts';
import { runTimer } from '../src/app/timers.ts';
import { routeTable } from '../src/api/routes.ts';
import type { Config } from '../src/config.ts';
import { handleChangeFeedBatch } from '../src/consumers/changeFeed.ts';
import { driveRebuilds } from '../src/consumers/rebuilds.ts';
import { openCosmosConflictFeed, type OpenedConflictFeed } from '../src/reconciliation/cosmosConflictFeed.ts';
import { reconcileConflicts } from '../src/reconciliation/reconciler.ts';
import { contextLogger } from './contextLogger.ts';
import { httpHandlerFor } from './http.ts';

// Everything an app registers with the Functions host, in one call: an HTTP function per route, a
// change-feed trigger per consumer, a timer per module timer, and the product's own timers (rebuilds,
// conflict reconciliation). Each binds a handler that lives in src/.

/**
 * Retry policy of every change-feed trigger: forever, backing off to a minute between tries. The
 * trigger checkpoints a batch when the function returns, and also when it throws and no retry is
 * left: retrying forever makes a throw hold the batch (and the lease).
 */
export const CONSUMER_TRIGGER_RETRY = {
  strategy: 'exponentialBackoff',
  maxRetryCount: -1,
  minimumInterval: { seconds: 1 },
  maximumInterval: { minutes: 1 },
} as const;

export const consumerFunctionName = (consumer: { kind: 'projection' | 'reactor'; name: string }): string =>
  `${consumer.kind === 'projection' ? 'project' : 'react'}-${consumer.name}`;

/** Rebuilds read the log from the beginning through the store's replay source; a timer drives them. */
export const REBUILD_BUDGET_MS = 4 * 60_000;

export interface FunctionsApp {
  definition: AppDefinition;
  config: Config;
  /** The app of this worker process, opened on first use. */
  getApp: () => Promise<EventLogApp>;
}

export const registerFunctions = ({ definition, config, getApp }: FunctionsApp): void => {
  for (const route of routeTable(definition.routes))
    app.http(route.name, {
      methods: [route.method],
      route: route.route,
      authLevel: route.authLevel,
      handler: httpHandlerFor(route, async () => (await getApp()).services),
    });

  // One trigger per consumer, each with its own leases (`{region}-{name}`), so a halted consumer holds
  // only its own. Side effects run in the one region where REACTORS_ENABLED is true: a mail must not go
  // out once per region. Each region's triggers read its own copy first (COSMOS_PREFERRED_LOCATIONS, which
  // the templates write): without it the trigger's client reads the write region, so every region would
  // project from the write region's copy and stop when cut off from it.
  const preferredLocations = config.COSMOS_PREFERRED_LOCATIONS?.join(',');
  const consumers = [
    ...definition.projections.map((p) => ({ kind: 'projection' as const, name: p.name })),
    ...(config.REACTORS_ENABLED ? definition.reactors.map((r) => ({ kind: 'reactor' as const, name: r.name })) : []),
  ];
  for (const consumer of consumers)
    app.cosmosDB(consumerFunctionName(consumer), {
      connection: 'COSMOS',
      databaseName: '%COSMOS_DATABASE%',
      containerName: 'events',
      leaseContainerName: 'leases',
      leaseContainerPrefix: `%REGION%-${consumer.name}`,
      createLeaseContainerIfNotExists: false,
      startFromBeginning: true,
      retry: CONSUMER_TRIGGER_RETRY,
      ...(preferredLocations === undefined ? {} : { preferredLocations }),
      handler: async (documents: unknown[], context: InvocationContext) => {
        const { consumers: runtime, openEvents } = await getApp();
        await handleChangeFeedBatch(runtime, consumer.name, documents, contextLogger(context), openEvents);
      },
    });

  for (const timer of definition.timers.filter((t) => config.REACTORS_ENABLED || !t.sideEffects))
    app.timer(timer.name, {
      schedule: timer.schedule,
      handler: async (_timer, context) => {
        const { services, consumers: runtime } = await getApp();
        await runTimer(timer, { store: services.eventStore, consumers: runtime, region: config.REGION, logger: contextLogger(context) });
      },
    });

  app.timer('projection-rebuilds', {
    schedule: '0 * * * * *',
    handler: async (_timer, context) => {
      const { consumers: runtime, replay } = await getApp();
      const logger = contextLogger(context);
      if (replay === undefined) {
        logger.warn('the event store offers no replay source: projection rebuilds cannot run in this host');
        return;
      }
      const runs = await driveRebuilds(runtime, replay, { budgetMs: REBUILD_BUDGET_MS, batchSize: 500 });
      for (const run of runs.filter((r) => r.outcome !== 'idle')) logger.info('projection rebuild advanced', { ...run });
    },
  });

  // The archive policy (ARCHIVE_POLICY), nightly, in the region that runs side effects only.
  if (config.REACTORS_ENABLED)
    app.timer('archive-streams', {
      schedule: '0 30 2 * * *',
      handler: async (_timer, context) => runArchiveTimer(await getApp(), contextLogger(context)),
    });

  // Every region runs the reconciler against the account's conflicts feed; runs in several regions at
  // once, or again after a crash, change nothing twice (src/reconciliation).
  let conflictFeed: Promise<OpenedConflictFeed> | undefined;
  app.timer('reconcile-conflicts', {
    schedule: '0 */5 * * * *',
    handler: async (_timer, context) => {
      const { services } = await getApp();
      const logger = contextLogger(context);
      if (config.EVENT_STORE !== 'cosmos') {
        logger.info(`conflict reconciliation reads the Cosmos DB conflicts feed; EVENT_STORE=${config.EVENT_STORE} has none`);
        return;
      }
      const { feed } = await (conflictFeed ??= openCosmosConflictFeed(config).catch((error: unknown) => {
        conflictFeed = undefined;
        throw error;
      }));
      const { outcomes, ...report } = await reconcileConflicts({ feed, store: services.eventStore, region: config.REGION, policies: definition.reconciliation, logger });
      if (report.failed > 0 || report.interrupted !== undefined) logger.warn('conflicts left for the next run', { ...report });
      else if (report.examined > 0) logger.info('conflicts reconciled', { ...report, compensations: outcomes.filter((o) => o.outcome === 'compensated') });
    },
  });
};
