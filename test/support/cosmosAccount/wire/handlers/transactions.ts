import type { ContainerState, PhysicalPartition } from '../../model/container.ts';
import { planTransaction, type Operation, type Outcome, type TransactionPlan } from '../../model/transaction.ts';
import { commitTransaction } from '../../writes.ts';
import type { PartitionKeyValue } from '../../model/partitioning.ts';
import { containerOf, requestPartitionKey, type RequestContext } from '../context.ts';
import { pointReadCharge, writeCharge } from '../requestCharge.ts';

export interface ExecutedTransaction {
  plan: TransactionPlan;
  container: ContainerState;
  partition: PhysicalPartition;
}

/**
 * Plans the operations in one logical partition (the request's, unless an operation of a bulk request
 * names its own) and, if they all succeed, commits and replicates them.
 */
export const executeTransaction = (context: RequestContext, operations: Operation[], partitionKey: PartitionKeyValue = requestPartitionKey(context)): ExecutedTransaction => {
  const container = containerOf(context);
  const plan = planTransaction(container, partitionKey, operations);
  if (plan.committed && plan.writes.length > 0) {
    const record = commitTransaction(context.state, context.region, context.params.db!, container, plan.writes);
    context.state.replication.ship(record, context.region);
  }
  return { plan, container, partition: container.locate(partitionKey).partition };
};

/** What one operation is charged (see requestCharge.ts); a failed one pays for the attempt. */
export const outcomeCharge = (operation: Operation, outcome: Outcome): number => {
  if (outcome.status === 424) return 0;
  if (outcome.status >= 400) return 1;
  return operation.type === 'Read' ? pointReadCharge(outcome.body) : writeCharge(outcome.body ?? {});
};
