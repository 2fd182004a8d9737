import { app, type InvocationContext } from '@azure/functions';
import { handleReactorChangeFeed } from '../src/reactors/changeFeed.ts';
import { ACTIVATION_MAIL_REACTOR } from '../src/reactors/activationMail.ts';
import { PROJECTION_TRIGGER_RETRY } from './changeFeed.ts';
import { config, getApp } from './appContext.ts';
import { contextLogger } from './contextLogger.ts';

// Reactors run from the change feed like projections, with leases of their own (`{region}-{name}`),
// in the one region where REACTORS_ENABLED is true: a mail must not go out once per region.

export const reactorFunctionName = (reactor: string): string => `react-${reactor}`;

export const handleReactorBatch =
  (reactor: string) =>
  async (documents: unknown[], context: InvocationContext): Promise<void> => {
    const runner = (await getApp()).reactors.registry.get(reactor);
    if (runner === undefined) throw new Error(`no reactor named ${reactor}`);
    await handleReactorChangeFeed(runner, documents, contextLogger(context));
  };

if (config.REACTORS_ENABLED)
  for (const reactor of [ACTIVATION_MAIL_REACTOR])
    app.cosmosDB(reactorFunctionName(reactor), {
      connection: 'COSMOS',
      databaseName: '%COSMOS_DATABASE%',
      containerName: 'events',
      leaseContainerName: 'leases',
      leaseContainerPrefix: `%REGION%-${reactor}`,
      createLeaseContainerIfNotExists: false,
      startFromBeginning: true,
      retry: PROJECTION_TRIGGER_RETRY,
      handler: handleReactorBatch(reactor),
    });
