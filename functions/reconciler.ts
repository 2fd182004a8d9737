import { app, type InvocationContext } from '@azure/functions';
import { openCosmosConflictFeed, type OpenedConflictFeed } from '../src/regions/cosmosConflictFeed.ts';
import { reconciliationPolicies } from '../src/regions/policyCatalog.ts';
import { reconcileConflicts } from '../src/regions/reconciler.ts';
import { getApp } from './appContext.ts';
import { contextLogger } from './contextLogger.ts';

// The conflict reconciler: every region's Function App runs this timer against the account's conflicts
// feed. Runs in several regions at once, or again after a crash, change nothing twice (src/regions).

let opened: Promise<OpenedConflictFeed> | undefined;
const policies = reconciliationPolicies();

export const reconcileRegion = async (_timer: unknown, context: InvocationContext): Promise<void> => {
  const { config, services } = await getApp();
  const log = contextLogger(context);
  if (config.EVENT_STORE !== 'cosmos') {
    log.info(`conflict reconciliation reads the Cosmos DB conflicts feed; EVENT_STORE=${config.EVENT_STORE} has none`);
    return;
  }
  const { feed } = await (opened ??= openCosmosConflictFeed(config).catch((error: unknown) => {
    opened = undefined;
    throw error;
  }));
  const { outcomes, ...report } = await reconcileConflicts({ feed, store: services.eventStore, region: config.REGION, policies, logger: log });
  if (report.failed > 0 || report.interrupted !== undefined) log.warn('conflicts left for the next run', { ...report });
  else if (report.examined > 0) log.info('conflicts reconciled', { ...report, compensations: outcomes.filter((o) => o.outcome === 'compensated') });
};

app.timer('reconcile-conflicts', { schedule: '0 */5 * * * *', handler: reconcileRegion });
