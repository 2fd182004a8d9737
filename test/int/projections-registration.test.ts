import { beforeAll, describe, expect, it, vi } from 'vitest';

// functions/index.ts registers with @azure/functions at import; capture what it registers.
const registered = vi.hoisted(() => ({ cosmosDB: [] as Array<[string, Record<string, unknown>]>, timer: [] as Array<[string, Record<string, unknown>]> }));
vi.mock('@azure/functions', () => ({
  app: {
    setup: () => {},
    cosmosDB: (name: string, options: Record<string, unknown>) => registered.cosmosDB.push([name, options]),
    timer: (name: string, options: Record<string, unknown>) => registered.timer.push([name, options]),
    http: () => {},
  },
}));

describe('the change-feed trigger registrations', () => {
  beforeAll(async () => {
    process.env.EVENT_STORE = 'memory';
    await import('../../functions/index.ts');
  });

  it('register one trigger per projection on the events container, with region and projection in the lease prefix', async () => {
    const { definition } = await import('../../functions/index.ts');
    const projectionTriggers = registered.cosmosDB.map(([name]) => name).filter((name) => name.startsWith('project-'));
    expect(projectionTriggers).toEqual(definition.projections.map((p) => `project-${p.name}`));
    expect(registered.cosmosDB[0]![1]).toMatchObject({
      connection: 'COSMOS',
      databaseName: '%COSMOS_DATABASE%',
      containerName: 'events',
      leaseContainerName: 'leases',
      leaseContainerPrefix: '%REGION%-stream',
      createLeaseContainerIfNotExists: false,
      startFromBeginning: true,
    });
  });

  it('retry failed batches forever with backoff, so a throw never checkpoints past unapplied events', () => {
    for (const [, options] of registered.cosmosDB)
      expect(options.retry).toEqual({ strategy: 'exponentialBackoff', maxRetryCount: -1, minimumInterval: { seconds: 1 }, maximumInterval: { minutes: 1 } });
  });

  it('hand batches to the shared runtime', async () => {
    const [, options] = registered.cosmosDB[0]!;
    const handler = options.handler as (documents: unknown[], context: unknown) => Promise<void>;
    const context = { log: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const event = {
      id: 'e-1', streamId: 'Order-1', aggregateType: 'Order', aggregateId: '1', sequence: 1, type: 'Placed', schemaVersion: 1,
      data: {}, metadata: {}, recordedAt: '2025-01-01T00:00:00.000Z', region: 'westeurope', _rid: 'x', _ts: 1, _lsn: 1, _etag: '"e"', _self: 's', _attachments: 'a',
    };
    await handler([event], context);
    const { getApp } = await import('../../functions/index.ts');
    const read = await (await getApp()).consumers.readView('stream', 'Order-1', { waitMs: 0 });
    expect(read).toMatchObject({ kind: 'found', document: { data: { version: 1, lastEventType: 'Placed' } } });
  });

  it('register a timer that drives rebuilds', () => {
    expect(registered.timer.map(([name]) => name)).toContain('projection-rebuilds');
  });
});
