import { app, type InvocationContext } from '@azure/functions';
import { handleChangeFeedBatch } from '../src/projections/changeFeed.ts';
import { projectionCatalog } from '../src/projections/catalog.ts';
import { driveRebuilds } from '../src/projections/rebuildDriver.ts';
import { getApp } from './appContext.ts';
import { contextLogger } from './contextLogger.ts';

// One change-feed trigger per projection, each with its own leases (`{region}-{projection}`), so a
// halted projection holds only its own leases. The trigger checkpoints a batch when the function
// returns, and also when it throws and no retry is left: retrying forever makes a throw hold the batch.

/** Retry policy of every projection trigger: forever, backing off to a minute between tries. */
export const PROJECTION_TRIGGER_RETRY = {
  strategy: 'exponentialBackoff',
  maxRetryCount: -1,
  minimumInterval: { seconds: 1 },
  maximumInterval: { minutes: 1 },
} as const;

export const changeFeedFunctionName = (projection: string): string => `project-${projection}`;

export const handleProjectionBatch =
  (projection: string) =>
  async (documents: unknown[], context: InvocationContext): Promise<void> => {
    const { projections } = await getApp();
    await handleChangeFeedBatch(projections, projection, documents, contextLogger(context));
  };

for (const projection of projectionCatalog) {
  app.cosmosDB(changeFeedFunctionName(projection.name), {
    connection: 'COSMOS',
    databaseName: '%COSMOS_DATABASE%',
    containerName: 'events',
    leaseContainerName: 'leases',
    leaseContainerPrefix: `%REGION%-${projection.name}`,
    createLeaseContainerIfNotExists: false,
    startFromBeginning: true,
    retry: PROJECTION_TRIGGER_RETRY,
    handler: handleProjectionBatch(projection.name),
  });
}

/** Rebuilds read the log from the beginning through the store's replay source; a timer drives them. */
export const REBUILD_BUDGET_MS = 4 * 60_000;

app.timer('projection-rebuilds', {
  schedule: '0 * * * * *',
  handler: async (_timer, context) => {
    const { projections, replay } = await getApp();
    const logger = contextLogger(context);
    if (replay === undefined) {
      logger.warn('the event store offers no replay source: projection rebuilds cannot run in this host');
      return;
    }
    const runs = await driveRebuilds(projections, replay, { budgetMs: REBUILD_BUDGET_MS, batchSize: 500 });
    for (const run of runs.filter((r) => r.outcome !== 'idle')) logger.info('projection rebuild advanced', { ...run });
  },
});
