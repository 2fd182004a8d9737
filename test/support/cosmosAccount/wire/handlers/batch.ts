import { z } from 'zod';
import { sizeInBytes } from '../../model/json.ts';
import { partitionKeyFromHeader, partitionKeyText } from '../../model/partitioning.ts';
import { PatchSpec } from '../../model/patch.ts';
import type { Operation, Outcome } from '../../model/transaction.ts';
import { itemHeaders, requestPartitionKey, type Handler, type RequestContext } from '../context.ts';
import { badRequest, errorReply, type Reply } from '../responses.ts';
import { executeTransaction, outcomeCharge } from './transactions.ts';

// A transactional batch (`container.items.batch`): point operations in one logical partition, all
// applied or none (model/transaction.ts). The per-request limits put the maximum number of operations
// in a transactional batch at 100 (https://learn.microsoft.com/azure/cosmos-db/concepts-limits): a
// bigger batch is refused whole with 400 Bad Request; the payload is limited to 2 MB
// (https://learn.microsoft.com/azure/cosmos-db/nosql/transactional-batch, Limitations): a bigger one
// gets 413. The answer holds one result per operation, in order, `{statusCode, requestCharge, eTag,
// resourceBody}`: HTTP 200 when the batch committed, 207 Multi-Status when it did not, "the failed
// operation will have a status code of its corresponding error. All the other operations will have a
// 424 status code (failed dependency)" (transactional-batch page).

export const MAX_BATCH_OPERATIONS = 100;
export const MAX_BATCH_BYTES = 2 * 1024 * 1024;

export const BatchOperation = z.object({
  operationType: z.enum(['Create', 'Upsert', 'Read', 'Delete', 'Replace', 'Patch']),
  id: z.string().optional(),
  partitionKey: z.string().optional(),
  ifMatch: z.string().optional(),
  resourceBody: z.unknown().optional(),
});
export type BatchOperation = z.infer<typeof BatchOperation>;

export const toOperation = (input: BatchOperation): Operation | string => {
  const { operationType, id, ifMatch, resourceBody } = input;
  switch (operationType) {
    case 'Create':
    case 'Upsert':
      return { type: operationType, body: resourceBody as Record<string, unknown>, ifMatch };
    case 'Replace':
      return id === undefined ? 'Replace needs an id' : { type: 'Replace', id, body: resourceBody as Record<string, unknown>, ifMatch };
    case 'Read':
    case 'Delete':
      return id === undefined ? `${operationType} needs an id` : { type: operationType, id, ifMatch };
    case 'Patch': {
      const patch = PatchSpec.safeParse(resourceBody);
      if (id === undefined || !patch.success) return 'Patch needs an id and a patch specification';
      return { type: 'Patch', id, patch: patch.data, ifMatch };
    }
  }
};

/** The operations of a batch request, or the answer refusing it whole (malformed, empty, over 100 operations or 2 MB). */
export const batchOperations = (context: RequestContext): BatchOperation[] | Reply => {
  const parsed = z.array(BatchOperation).safeParse(context.body);
  if (!parsed.success) return badRequest('The batch request is malformed.');
  if (parsed.data.length === 0) return badRequest('Batch request has no operations.');
  if (parsed.data.length > MAX_BATCH_OPERATIONS) return badRequest('Batch request has more operations than what is supported.');
  if (sizeInBytes(context.body) > MAX_BATCH_BYTES) return errorReply(413, 'RequestEntityTooLarge', 'Request size is too large.');
  return parsed.data;
};

/** One operation's result as a batch answer carries it. */
export const operationResult = (operation: Operation, outcome: Outcome) => ({
  statusCode: outcome.status,
  ...(outcome.substatus === undefined ? {} : { subStatusCode: outcome.substatus }),
  requestCharge: outcomeCharge(operation, outcome),
  ...(outcome.body === undefined ? {} : { eTag: outcome.body._etag, resourceBody: outcome.body }),
});

export const executeBatch: Handler = (context) => {
  const inputs = batchOperations(context);
  if (!Array.isArray(inputs)) return inputs;
  const partitionKey = partitionKeyText(requestPartitionKey(context));
  const operations: Operation[] = [];
  for (const input of inputs) {
    if (input.partitionKey !== undefined && partitionKeyText(partitionKeyFromHeader(input.partitionKey)) !== partitionKey)
      return badRequest('All operations of a transactional batch must have the partition key of the batch.');
    const operation = toOperation(input);
    if (typeof operation === 'string') return badRequest(operation);
    operations.push(operation);
  }
  const { plan, container, partition } = executeTransaction(context, operations);
  const results = plan.outcomes.map((outcome, index) => operationResult(operations[index]!, outcome));
  return {
    status: plan.committed ? 200 : 207,
    body: results,
    charge: results.reduce((total, result) => total + result.requestCharge, 0),
    headers: itemHeaders(context, container, [partition]),
  };
};
