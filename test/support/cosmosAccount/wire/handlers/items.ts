import { itemKey } from '../../model/container.ts';
import { isJsonObject, type JsonObject } from '../../model/json.ts';
import { PatchSpec } from '../../model/patch.ts';
import type { Operation } from '../../model/transaction.ts';
import { assertSessionAvailable, containerOf, itemHeaders, ReplyError, requestPartitionKey, type Handler, type RequestContext } from '../context.ts';
import { pointReadCharge } from '../requestCharge.ts';
import { badRequest, errorReply, type Reply } from '../responses.ts';
import { executeTransaction, outcomeCharge } from './transactions.ts';

// Point operations on one item: create, upsert, replace, patch, delete (each a transaction of one
// operation, model/transaction.ts) and read. Statuses: 201 created, 200 replaced/patched/read,
// 204 deleted, 304 when If-None-Match names the current etag, and the errors of the transaction.

const single = (context: RequestContext, operation: Operation): Reply => {
  const { plan, container, partition } = executeTransaction(context, [operation]);
  const outcome = plan.outcomes[0]!;
  const headers = itemHeaders(context, container, [partition]);
  const charge = outcomeCharge(operation, outcome);
  if (outcome.error !== undefined) {
    const reply = errorReply(outcome.status, outcome.error.code, outcome.error.message, outcome.substatus);
    return { ...reply, charge, headers: { ...reply.headers, ...headers } };
  }
  const etag = outcome.body?._etag;
  return { status: outcome.status, body: outcome.body, charge, headers: { ...headers, ...(typeof etag === 'string' ? { etag } : {}) } };
};

const jsonBody = (context: RequestContext): JsonObject => {
  if (!isJsonObject(context.body)) throw new ReplyError(badRequest('The request body must be a JSON object.'));
  return context.body;
};

export const createOrUpsertItem: Handler = (context) =>
  single(context, { type: context.headers['x-ms-documentdb-is-upsert'] ? 'Upsert' : 'Create', body: jsonBody(context), ifMatch: context.headers['if-match'] });

export const replaceItem: Handler = (context) =>
  single(context, { type: 'Replace', id: context.params.doc!, body: jsonBody(context), ifMatch: context.headers['if-match'] });

export const patchItem: Handler = (context) => {
  const patch = PatchSpec.safeParse(context.body);
  if (!patch.success) return badRequest(`Invalid patch request: ${patch.error.issues[0]?.message ?? 'malformed'}`);
  return single(context, { type: 'Patch', id: context.params.doc!, patch: patch.data, ifMatch: context.headers['if-match'] });
};

export const deleteItem: Handler = (context) => single(context, { type: 'Delete', id: context.params.doc!, ifMatch: context.headers['if-match'] });

/** A point read, the cheapest read there is (see requestCharge.ts), served by the region's copy. */
export const readItem: Handler = (context) => {
  const container = containerOf(context);
  const { partitionKey, partition } = container.locate(requestPartitionKey(context));
  assertSessionAvailable(context, partition);
  const headers = itemHeaders(context, container, [partition]);
  const item = container.get(itemKey(partitionKey, context.params.doc!));
  if (item === undefined) {
    const reply = errorReply(404, 'NotFound', 'Entity with the specified id does not exist in the system.');
    return { ...reply, charge: 1, headers: { ...reply.headers, ...headers } };
  }
  const etag = item.body._etag as string;
  if (context.headers['if-none-match'] === etag) return { status: 304, charge: 1, headers: { ...headers, etag } };
  return { status: 200, body: item.body, charge: pointReadCharge(item.body), headers: { ...headers, etag } };
};
