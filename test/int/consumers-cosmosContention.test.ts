import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventEnvelope, ProjectionStorage } from '../../src/core/index.ts';
import { ConsumerRuntime } from '../../src/consumers/runtime.ts';
import { streamProjection } from '../../src/consumers/streamProjection.ts';
import { openCosmosProjectionStorage } from '../../src/stores/cosmos/projectionStorage.ts';
import { initAccountDatabase, startCosmosAccount, type CosmosTestAccount } from '../support/cosmosAccount/index.ts';

// In Azure, a projection's change-feed trigger runs on many instances at once, each handed the
// batches of its own leases. Verified on the Cosmos DB test account (conditional writes answered
// 412/409 as Cosmos DB answers them: https://learn.microsoft.com/azure/cosmos-db/nosql/database-transactions-optimistic-concurrency).

const HANDLERS = 16;
const BATCHES = 12;
const STREAMS_PER_HANDLER = 4;
const EVENTS_PER_BATCH = 8;

const eventOf = (streamId: string, sequence: number): EventEnvelope => ({
  id: `${streamId}#${sequence}`,
  streamId,
  aggregateType: 'Order',
  aggregateId: streamId.slice('Order-'.length),
  sequence,
  type: 'Placed',
  schemaVersion: 1,
  data: {},
  metadata: {},
  recordedAt: '2025-01-01T00:00:00.000Z',
  region: 'local',
});

/** The batches one handler's leases deliver: its own streams, each in sequence order. */
const batchesOf = (handler: number): EventEnvelope[][] => {
  const sequences = new Array<number>(STREAMS_PER_HANDLER).fill(0);
  return Array.from({ length: BATCHES }, (_, batch) =>
    Array.from({ length: EVENTS_PER_BATCH }, (_, i) => {
      const stream = (batch + i) % STREAMS_PER_HANDLER;
      return eventOf(`Order-h${handler}s${stream}`, ++sequences[stream]!);
    }),
  );
};

let account: CosmosTestAccount;
const storages: ProjectionStorage[] = [];
beforeAll(async () => {
  account = await startCosmosAccount({ physicalPartitions: 4 });
  await initAccountDatabase(account);
});
afterAll(async () => {
  for (const storage of storages) await storage.close();
  await account?.close();
});

/** One Function instance: its own client and runtime over the region's views container. */
const instance = async (): Promise<ConsumerRuntime> => {
  const storage = await openCosmosProjectionStorage({ connection: account.connection, database: 'eventlog', region: 'local' });
  storages.push(storage);
  return new ConsumerRuntime({ projections: [streamProjection], views: storage.views, checkpoints: storage.checkpoints, region: 'local', maxAttempts: 1 });
};

describe('a projection handled by 16 change-feed instances at once', () => {
  it('makes fewer than 0.1 conditional-write retries per batch, and loses no count', async () => {
    const runtimes = await Promise.all(Array.from({ length: HANDLERS }, instance));
    await runtimes[0]!.state('stream'); // the trigger's first batch ever creates the record
    const before = account.requests.length;

    await Promise.all(runtimes.map(async (runtime, handler) => {
      for (const batch of batchesOf(handler)) await runtime.applyLive('stream', batch);
    }));

    const refused = account.requests.slice(before).filter((r) => r.kind === 'document' && (r.status === 412 || r.status === 409));
    const batches = HANDLERS * BATCHES;
    const retriesPerBatch = refused.length / batches;
    process.stdout.write(`16 handlers, ${batches} batches: ${refused.length} conditional writes refused (${retriesPerBatch.toFixed(3)} per batch)\n`);
    expect(retriesPerBatch).toBeLessThan(0.1);

    // Every event is in the views, and every instance's counts reach the record once flushed (as on shutdown, or after 5 s).
    await Promise.all(runtimes.map((runtime) => runtime.flush()));
    const entry = await runtimes[0]!.entry('stream');
    expect(entry.eventsApplied).toBe(HANDLERS * BATCHES * EVENTS_PER_BATCH);
    const read = await runtimes[0]!.readView('stream', 'Order-h3s1', { waitMs: 0 });
    expect(read).toMatchObject({ kind: 'found', document: { data: { eventCount: (BATCHES * EVENTS_PER_BATCH) / STREAMS_PER_HANDLER } } });
  });
});
