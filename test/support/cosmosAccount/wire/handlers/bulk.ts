import { partitionKeyFromHeader, type PartitionKeyValue } from '../../model/partitioning.ts';
import type { Operation, Outcome } from '../../model/transaction.ts';
import { containerOf, itemHeaders, namedPartition, ReplyError, type Handler, type RequestContext } from '../context.ts';
import { badRequest } from '../responses.ts';
import { batchOperations, operationResult, toOperation } from './batch.ts';
import { executeTransaction } from './transactions.ts';

// Bulk execution (`container.items.executeBulkOperations` in @azure/cosmos 4.10): the SDK groups the
// operations by partition key range and sends each group as a batch request that is not atomic
// ("Bulk ... operations are grouped by partition key range ... dispatched" in mini-batches committed
// server-side, https://learn.microsoft.com/azure/cosmos-db/bulk-executor-overview, "How does the bulk
// operation work"; the JavaScript guide, https://learn.microsoft.com/azure/cosmos-db/nosql/bulk-executor-nodejs,
// adjusts concurrency per partition and retries each operation on its own). What the SDK sends
// (ClientContext.bulk, bulk/BulkHelper.js): a POST to the container's docs with
// `x-ms-cosmos-is-batch-request: true`, `x-ms-cosmos-batch-atomic: false`,
// `x-ms-cosmos-batch-continue-on-error: true` and the range in `x-ms-documentdb-partitionkeyrangeid`,
// no partition key header; each operation carries its own `partitionKey` (JSON text), at most 100.
//
// Unlike a transactional batch, each operation is its own transaction in its own logical partition:
// one that fails keeps its status and changes nothing, the others are applied and answered as if sent
// alone (no 424). The answer holds one result per operation, in order, with its own charge; HTTP 200
// when every operation succeeded and 207 Multi-Status otherwise, as for batches (the SDK reads the
// results either way, bulk/BulkResponse.js). With continue-on-error false the first failure stops the
// request: the operations after it are answered 424 and not applied. A range that split since the SDK
// looked answers 410/1002 for the whole request, and the SDK re-resolves the ranges and sends again.

const nonAtomic = (context: RequestContext): boolean => context.headers['x-ms-cosmos-batch-atomic']?.toLowerCase() === 'false';

/** A batch request the SDK sent for bulk execution: each operation on its own. */
export const isBulk = nonAtomic;

const notAttempted: Outcome = {
  status: 424,
  error: { code: 'FailedDependency', message: 'Operation was not attempted because a previous operation in the batch failed.' },
};

export const executeBulk: Handler = (context) => {
  const inputs = batchOperations(context);
  if (!Array.isArray(inputs)) return inputs;
  const rangeId = context.headers['x-ms-documentdb-partitionkeyrangeid'];
  if (rangeId === undefined) return badRequest('A bulk request names its partition key range (x-ms-documentdb-partitionkeyrangeid).');
  const container = containerOf(context);
  const range = namedPartition(container, rangeId);
  const continueOnError = context.headers['x-ms-cosmos-batch-continue-on-error']?.toLowerCase() !== 'false';

  const planned: Array<{ operation: Operation; partitionKey: PartitionKeyValue }> = [];
  for (const input of inputs) {
    if (input.partitionKey === undefined) return badRequest('Each operation of a bulk request names its partition key.');
    const operation = toOperation(input);
    if (typeof operation === 'string') return badRequest(operation);
    let partitionKey: PartitionKeyValue;
    try {
      partitionKey = partitionKeyFromHeader(input.partitionKey);
    } catch {
      return badRequest('The partition key of an operation has an invalid format.');
    }
    if (container.locate(partitionKey).partition.id !== range.id)
      throw new ReplyError(badRequest(`An operation's partition key is not in partition key range ${range.id}.`));
    planned.push({ operation, partitionKey });
  }

  let stopped = false;
  const results = planned.map(({ operation, partitionKey }) => {
    if (stopped) return operationResult(operation, notAttempted);
    const outcome = executeTransaction(context, [operation], partitionKey).plan.outcomes[0]!;
    if (outcome.status >= 400 && !continueOnError) stopped = true;
    return operationResult(operation, outcome);
  });
  return {
    status: results.every((result) => result.statusCode < 400) ? 200 : 207,
    body: results,
    charge: results.reduce((total, result) => total + result.requestCharge, 0),
    headers: itemHeaders(context, container, [range]),
  };
};
