import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newEventId, readStreamEvents } from '../../src/core/index.ts';
import { withArchivedReads } from '../../src/lifecycle/archivedStore.ts';
import { archiveStream } from '../../src/lifecycle/archiveStream.ts';
import { BlobColdStorage } from '../../src/stores/archive/blobColdStorage.ts';
import { CosmosEventStore } from '../../src/stores/cosmos/cosmosEventStore.ts';
import { BlobContainerDouble } from '../support/blobContainerDouble.ts';
import { initAccountDatabase, startCosmosAccount, type CosmosTestAccount } from '../support/cosmosAccount/index.ts';
import { describeLifecycleContract } from './lifecycleContract.ts';

// The lifecycle on the Cosmos DB test account (test/support/cosmosAccount) through the real @azure/cosmos
// client: archive records beside the streams, removal by transactional batches, the closed stream head.
// The archive is the Blob Storage adapter over an in-process double of its container (no network here).

let account: CosmosTestAccount;
// One account, one archive container: the records of every test's streams point into it.
const container = new BlobContainerDouble();
const stores: CosmosEventStore[] = [];
beforeAll(async () => {
  account = await startCosmosAccount();
  await initAccountDatabase(account);
});
afterAll(async () => {
  for (const store of stores) await store.close();
  await account?.close();
});

describeLifecycleContract(
  'cosmos (test account) with a blob archive (double)',
  async () => {
    const store = await CosmosEventStore.open({ connection: account.connection, database: 'eventlog', region: 'local' });
    stores.push(store);
    return { store, cold: new BlobColdStorage(container.asContainer()), logReplay: store, coldNames: async () => [...container.blobs.keys()] };
  },
  { timeoutMs: 600_000 },
);

describe('stream lifecycle on the Cosmos DB test account: removal cut off part-way', () => {
  it('a connection lost after the first batch of deletes leaves every event readable once; the next run removes the rest', async () => {
    const store = await CosmosEventStore.open({ connection: account.connection, database: 'eventlog', region: 'local' });
    stores.push(store);
    const cold = new BlobColdStorage(container.asContainer());
    const stream = { aggregateType: 'Ledger', aggregateId: `cut-${Date.now()}` };
    for (let i = 0; i < 3; i++)
      await store.append({ stream, expectedVersion: 'any', events: Array.from({ length: 80 }, (_, n) => ({ id: newEventId(), type: 'Posted', schemaVersion: 1, data: { n }, metadata: {} })), region: 'local' });

    let deleteBatches = 0;
    const isDeleteBatch = (request: { kind: string; body: unknown }) => request.kind === 'batch' && JSON.stringify(request.body).includes('"Delete"');
    const stop = account.intercept((request) => (isDeleteBatch(request) && ++deleteBatches === 2 ? { reset: { apply: false } } : undefined));
    await expect(archiveStream({ store, cold }, stream)).rejects.toThrow();
    stop();
    const partly = (await store.readStream(stream, { fromVersion: 1, limit: 1000 }))!.events.length;
    expect(partly).toBeGreaterThan(1);
    expect(partly).toBeLessThan(240);
    expect((await store.readArchiveRecord(stream))!.record.state).toBe('removing');

    const reader = withArchivedReads(store, cold);
    const read = async () => {
      const sequences: number[] = [];
      for await (const e of readStreamEvents(reader, stream, 1, 100)) sequences.push(e.sequence);
      return sequences;
    };
    const all = Array.from({ length: 240 }, (_, i) => i + 1);
    expect(await read()).toEqual(all);
    expect(await archiveStream({ store, cold }, stream)).toMatchObject({ outcome: 'archived', archivedVersion: 240 });
    expect(await read()).toEqual(all);
    expect((await store.readStream(stream, { fromVersion: 1, limit: 1000 }))!.events.map((e) => e.sequence)).toEqual([240]);
  });
});
