import type { Container, OperationInput } from '@azure/cosmos';
import type { WriteCondition } from '../../core/index.ts';
import { asResourceBody } from './documents.ts';
import { deadlineOf, type Within } from './deadline.ts';
import { mapCosmosErrors, toStoreError } from './errors.ts';

// Many conditional writes at once through the SDK's bulk execution (`executeBulkOperations`): it groups
// them by partition key range and sends each group as one non-atomic batch, adjusting concurrency per
// partition and retrying throttled operations itself
// (https://learn.microsoft.com/azure/cosmos-db/nosql/bulk-executor-nodejs). Each operation stands alone
// and is charged what it would cost alone, so bulk saves requests, never request units; and the SDK
// waits a second for partial batches to fill before it answers (bulk/BulkHelper.js in @azure/cosmos
// 4.10), so it pays only for many writes at once (see CosmosViewStore.putMany).

export interface ConditionalWrite {
  document: { id: string };
  partitionKey: string;
  condition: WriteCondition;
}

const REFUSED = new Set([404, 409, 412]);

const operationOf = ({ document, partitionKey, condition }: ConditionalWrite): OperationInput =>
  'absent' in condition
    ? { operationType: 'Create', partitionKey, resourceBody: asResourceBody(document) }
    : { operationType: 'Replace', id: document.id, partitionKey, ifMatch: condition.etag, resourceBody: asResourceBody(document) };

/**
 * The writes as one bulk execution: each write's new etag, or undefined where its condition did not
 * hold (409: it exists, for a create; 412: another writer changed it; 404: deleted meanwhile), as a
 * point write answers. Any other failure of an operation (throttled past the SDK's retries, unavailable)
 * throws the store's error after the whole execution: the writes that succeeded stay written.
 */
export const writeInBulk = (container: Container, writes: readonly ConditionalWrite[], within: Within = deadlineOf()): Promise<Array<string | undefined>> =>
  mapCosmosErrors('bulk write', () =>
    within(async () => {
      if (writes.length === 0) return [];
      const results = await container.items.executeBulkOperations(writes.map(operationOf));
      const failed = results.find((result) => result.error !== undefined && !REFUSED.has(Number(result.error.code)));
      if (failed !== undefined) throw toStoreError(failed.error, 'bulk write');
      return results.map((result) => (result.response === undefined ? undefined : (result.response.eTag ?? (result.response.resourceBody as { _etag?: string } | undefined)?._etag)));
    }),
  );
