import { describe, expect, it } from 'vitest';
import { newEventId, StoreUnavailableError, type ColdStorage } from '../../src/core/index.ts';
import { withArchivedReads } from '../../src/lifecycle/archivedStore.ts';
import { archiveStream, ArchiveVerificationError } from '../../src/lifecycle/archiveStream.ts';
import { BlobColdStorage } from '../../src/stores/archive/blobColdStorage.ts';
import { MemoryEventStore } from '../../src/stores/memory/memoryEventStore.ts';
import { BlobContainerDouble } from '../support/blobContainerDouble.ts';

const stream = { aggregateType: 'Ledger', aggregateId: 'l1' };

const archived = async (cold: ColdStorage) => {
  const store = new MemoryEventStore();
  await store.append({
    stream,
    expectedVersion: 'no_stream',
    events: [1, 2, 3].map((n) => ({ id: newEventId(), type: 'Posted', schemaVersion: 1, data: { n }, metadata: {} })),
    region: 'test',
  });
  const outcome = await archiveStream({ store, cold }, stream);
  return { store, reader: withArchivedReads(store, cold), segment: outcome.segments[0]! };
};

describe('the archive on Blob Storage (verified on a double of the container)', () => {
  it('uploads each segment with its MD5 and names it under the container URL', async () => {
    const container = new BlobContainerDouble();
    const { segment } = await archived(new BlobColdStorage(container.asContainer()));
    expect(segment.location).toBe('https://archive.blob.core.windows.net/archive/Ledger/l1/000000000001-000000000003.jsonl');
    expect([...container.blobs.keys()]).toEqual(['Ledger/l1/000000000001-000000000003.jsonl']);
    expect(container.uploads).toBe(1);
  });

  it('a segment changed in storage after the archive is an error on read, never a different history', async () => {
    const container = new BlobContainerDouble();
    const { reader, segment } = await archived(new BlobColdStorage(container.asContainer()));
    container.corrupt(segment.name);
    await expect(reader.readStream(stream, { fromVersion: 1, limit: 10 })).rejects.toThrow(/does not match its digest/);
  });

  it('a segment in the offline Archive tier reads as unavailable, saying how to rehydrate it', async () => {
    const container = new BlobContainerDouble();
    const { reader, segment } = await archived(new BlobColdStorage(container.asContainer()));
    container.archiveTier.add(segment.name);
    const error = await reader.readStream(stream, { fromVersion: 1, limit: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).message).toMatch(/Archive tier .*rehydrate/);
    expect((error as StoreUnavailableError).retryAfterSeconds).toBe(3600);
    // Reads past the archive's line still work: the anchor is hot.
    expect((await reader.readStream(stream, { fromVersion: 4, limit: 10 }))!.version).toBe(3);
  });

  it('a copy that reads back differently is not trusted: nothing is removed from the store', async () => {
    const container = new BlobContainerDouble();
    const cold = new BlobColdStorage(container.asContainer());
    const lossy: ColdStorage = { ...cold, kind: 'lossy', locate: (n) => cold.locate(n), put: (n, c) => cold.put(n, c.slice(0, c.length - 2)), get: (n) => cold.get(n), delete: (n) => cold.delete(n) };
    const store = new MemoryEventStore();
    await store.append({ stream, expectedVersion: 'any', events: [{ id: newEventId(), type: 'Posted', schemaVersion: 1, data: {}, metadata: {} }, { id: newEventId(), type: 'Posted', schemaVersion: 1, data: {}, metadata: {} }], region: 'test' });
    await expect(archiveStream({ store, cold: lossy }, stream)).rejects.toBeInstanceOf(ArchiveVerificationError);
    expect((await store.readStream(stream, { fromVersion: 1, limit: 10 }))!.events).toHaveLength(2);
    expect((await store.readArchiveRecord(stream))!.record).toMatchObject({ state: 'copying', archivedVersion: 0 });
    // The next run with a sound archive finishes the job.
    expect(await archiveStream({ store, cold }, stream)).toMatchObject({ outcome: 'archived', archivedVersion: 2 });
  });
});
