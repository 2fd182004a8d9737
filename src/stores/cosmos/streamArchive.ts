import type { Container, OperationInput } from '@azure/cosmos';
import {
  ArchiveRecord,
  streamIdOf,
  type ArchiveRecordCondition,
  type StoredArchiveRecord,
  type StreamArchiveStore,
  type StreamRef,
} from '../../core/index.ts';
import { readDocument, writeDocument } from './conditionalWrites.ts';
import type { Within } from './deadline.ts';
import { ARCHIVE_RECORD_ID, ARCHIVE_RECORD_KIND, ArchiveRecordDocument, archiveRecordDocument, STREAM_HEAD_KIND } from './documents.ts';
import { mapCosmosErrors } from './errors.ts';
import { queryPartition } from './queries.ts';

// The archive's part of the events container: the record beside the stream (a point read and a
// conditional replace: https://learn.microsoft.com/azure/cosmos-db/nosql/database-transactions-optimistic-concurrency),
// removal of archived events as transactional batches of Delete operations in the stream's partition
// (at most 100 operations each: https://learn.microsoft.com/azure/cosmos-db/nosql/transactional-batch),
// and two cross-partition queries for the archiver and for rebuilds.

const MAX_BATCH_OPERATIONS = 100;

const isSuccess = (status: number): boolean => status >= 200 && status < 300;

export const cosmosStreamArchive = (container: Container, within: Within): StreamArchiveStore => {
  const readRecord = async (stream: StreamRef): Promise<StoredArchiveRecord | undefined> => {
    const document = await readDocument(container, ARCHIVE_RECORD_ID, streamIdOf(stream), within);
    return document === undefined ? undefined : { record: ArchiveRecordDocument.parse(document).record, etag: document._etag };
  };

  const deleteOne = async (streamId: string, id: string): Promise<void> => {
    try {
      await container.item(id, streamId).delete();
    } catch (error) {
      if ((error as { code?: unknown }).code !== 404) throw error; // removed already (a resumed run)
    }
  };

  const removeEventsBelow = async (stream: StreamRef, sequence: number): Promise<void> => {
    const streamId = streamIdOf(stream);
    for (;;) {
      const ids = await mapCosmosErrors('read', () =>
        within(() =>
          queryPartition<{ id: string }>(
            container,
            streamId,
            {
              query: `SELECT TOP ${MAX_BATCH_OPERATIONS} c.id FROM c WHERE c.streamId = @streamId AND c.sequence >= 1 AND c.sequence < @below ORDER BY c.sequence`,
              parameters: [
                { name: '@streamId', value: streamId },
                { name: '@below', value: sequence },
              ],
            },
            MAX_BATCH_OPERATIONS,
          ),
        ),
      );
      if (ids.length === 0) return;
      const operations: OperationInput[] = ids.map(({ id }) => ({ operationType: 'Delete', id }));
      await mapCosmosErrors('delete', () =>
        within(async () => {
          const response = await container.items.batch(operations, streamId);
          const statuses = (response.result ?? []).map((r) => r.statusCode);
          // A batch is all or nothing: one item gone meanwhile (404) fails it; then delete one by one.
          if (statuses.length === 0 || !statuses.every(isSuccess)) for (const { id } of ids) await deleteOne(streamId, id);
        }),
      );
    }
  };

  return {
    readArchiveRecord: (stream) => readRecord(stream),
    writeArchiveRecord: (record: ArchiveRecord, condition: ArchiveRecordCondition) =>
      writeDocument(container, archiveRecordDocument(ArchiveRecord.parse(record)), record.streamId, condition, within),
    removeEventsBelow,
    listArchiveRecords: async (afterStreamId, limit) => {
      const documents = await mapCosmosErrors('read', () =>
        within(async () => {
          const { resources } = await container.items
            .query<unknown>({
              query: `SELECT TOP ${limit} * FROM c WHERE c.kind = @kind AND c.streamId > @after ORDER BY c.streamId`,
              parameters: [
                { name: '@kind', value: ARCHIVE_RECORD_KIND },
                { name: '@after', value: afterStreamId ?? '' },
              ],
            })
            .fetchAll();
          return resources;
        }),
      );
      return documents.map((document) => ArchiveRecordDocument.parse(document).record);
    },
    listIdleStreams: async (aggregateType, before, afterStreamId, limit) => {
      // Heads say when a stream was last written (a head may lag a little after a 100-event append: no harm here).
      return mapCosmosErrors('read', () =>
        within(async () => {
          const { resources: heads } = await container.items
            .query<{ streamId: string; aggregateType: string; aggregateId: string; version: number }>({
              query: `SELECT TOP ${limit} c.streamId, c.aggregateType, c.aggregateId, c.version FROM c WHERE c.kind = @kind AND c.aggregateType = @type AND c.updatedAt < @before AND c.streamId > @after ORDER BY c.streamId`,
              parameters: [
                { name: '@kind', value: STREAM_HEAD_KIND },
                { name: '@type', value: aggregateType },
                { name: '@before', value: before },
                { name: '@after', value: afterStreamId ?? '' },
              ],
            })
            .fetchAll();
          if (heads.length === 0) return [];
          const { resources: archived } = await container.items
            .query<{ streamId: string; archivedVersion: number }>({
              query: 'SELECT c.streamId, c.record.archivedVersion FROM c WHERE c.kind = @kind AND ARRAY_CONTAINS(@ids, c.streamId)',
              parameters: [
                { name: '@kind', value: ARCHIVE_RECORD_KIND },
                { name: '@ids', value: heads.map((h) => h.streamId) },
              ],
            })
            .fetchAll();
          const archivedAt = new Map(archived.map((a) => [a.streamId, a.archivedVersion]));
          return heads
            .filter((head) => head.version > (archivedAt.get(head.streamId) ?? 0))
            .map((head) => ({ aggregateType: head.aggregateType, aggregateId: head.aggregateId }));
        }),
      );
    },
  };
};
