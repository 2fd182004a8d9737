import { isJsonObject, sizeInBytes, type JsonObject } from './json.ts';
import { itemKey, type ContainerState, type StoredItem } from './container.ts';
import { applyPatch, conditionHolds, PatchError, type PatchSpec } from './patch.ts';
import { partitionKeyOfItem, partitionKeyText, type PartitionKeyValue } from './partitioning.ts';

// Every item write is a transaction in one logical partition: a single create, replace, upsert, patch
// or delete is a transaction of one operation, a transactional batch one of up to 100. The operations
// run in order against a staged view of the partition and nothing is applied unless all succeed:
// "If all operations succeed in the order they're described within the transactional batch operation,
// the transaction is committed. However, if any operation fails, the entire transaction is rolled
// back" (https://learn.microsoft.com/azure/cosmos-db/nosql/transactional-batch). Statuses per operation
// follow https://learn.microsoft.com/rest/api/cosmos-db/http-status-codes-for-cosmosdb (409 for an id or
// unique key already taken, 412 for a failed precondition, 404 for a missing item, 413 past 2 MB).

/** An operation that writes a whole item. */
export type ItemWrite = { type: 'Create' | 'Upsert'; body: JsonObject; ifMatch?: string } | { type: 'Replace'; id: string; body: JsonObject; ifMatch?: string };
/** An operation on an existing item, named by id. */
export type ItemAccess = { type: 'Read' | 'Delete'; id: string; ifMatch?: string } | { type: 'Patch'; id: string; patch: PatchSpec; ifMatch?: string };
export type Operation = ItemWrite | ItemAccess;

const isItemWrite = (operation: Operation): operation is ItemWrite => 'body' in operation;

export interface Outcome {
  status: number;
  substatus?: number;
  /** The item as stored after the operation (creates, replaces, patches, reads). */
  body?: JsonObject;
  error?: { code: string; message: string };
}

export interface PlannedWrite {
  key: string;
  id: string;
  partitionKey: string;
  epk: string;
  /** The stored version the transaction started from, if any. */
  previous: StoredItem | undefined;
  /** The new body without system properties, or null for a delete. Commit stamps it in place. */
  next: JsonObject | null;
}

export type TransactionPlan = { committed: false; outcomes: Outcome[] } | { committed: true; outcomes: Outcome[]; writes: PlannedWrite[] };

/** "The maximum size for a document is 2 MB" (http-status-codes-for-cosmosdb, 413). */
export const MAX_ITEM_BYTES = 2 * 1024 * 1024;
/** Characters an id may not contain, and its maximum length (the service answers 400 otherwise). */
const FORBIDDEN_ID = /[/\\?#]/;
const MAX_ID_LENGTH = 255;
/** Properties the service maintains; a client's values are ignored. */
const SYSTEM_PROPERTIES = ['_rid', '_self', '_etag', '_ts', '_lsn', '_attachments'];

const failure = (status: number, code: string, message: string, substatus?: number): Outcome => ({ status, substatus, error: { code, message } });
const notFound = (): Outcome => failure(404, 'NotFound', 'Entity with the specified id does not exist in the system.');
const idTaken = (): Outcome => failure(409, 'Conflict', 'Entity with the specified id already exists in the system.');
const uniqueTaken = (): Outcome => failure(409, 'Conflict', 'Unique index constraint violation.');
const preconditionFailed = (): Outcome =>
  failure(412, 'PreconditionFailed', 'Operation cannot be performed because one of the specified precondition is not met.');
const badRequest = (message: string, substatus?: number): Outcome => failure(400, 'BadRequest', message, substatus);

const withoutSystemProperties = (body: JsonObject): JsonObject =>
  Object.fromEntries(Object.entries(body).filter(([name]) => !SYSTEM_PROPERTIES.includes(name)));

/** The transaction's view of its logical partition: committed items overlaid by its own staged writes. */
class StagedPartition {
  private readonly staged = new Map<string, { id: string; body: JsonObject | null }>();
  private readonly stagedTuples = new Map<string, string>();
  private readonly container: ContainerState;
  readonly partitionKey: string;
  private readonly epk: string;

  constructor(container: ContainerState, partitionKey: PartitionKeyValue) {
    this.container = container;
    const located = container.locate(partitionKey);
    this.partitionKey = located.partitionKey;
    this.epk = located.epk;
  }

  key(id: string): string {
    return itemKey(this.partitionKey, id);
  }

  current(key: string): JsonObject | undefined {
    const staged = this.staged.get(key);
    return staged === undefined ? this.container.get(key)?.body : (staged.body ?? undefined);
  }

  /** True when another item of the partition already holds one of this body's unique tuples. */
  violatesUniqueKey(key: string, body: JsonObject): boolean {
    return this.container.tuplesOf(this.partitionKey, body).some((tuple) =>
      [this.stagedTuples.get(tuple), this.container.uniqueOwner(tuple)].some((owner) => {
        if (owner === undefined || owner === key) return false;
        const ownerBody = this.current(owner);
        return ownerBody !== undefined && this.container.tuplesOf(this.partitionKey, ownerBody).includes(tuple);
      }),
    );
  }

  stage(id: string, body: JsonObject | null): void {
    const key = this.key(id);
    this.staged.set(key, { id, body });
    if (body !== null) for (const tuple of this.container.tuplesOf(this.partitionKey, body)) this.stagedTuples.set(tuple, key);
  }

  writes(): PlannedWrite[] {
    return [...this.staged].flatMap(([key, { id, body: next }]) => {
      const previous = this.container.get(key);
      if (previous === undefined && next === null) return [];
      return [{ key, id, partitionKey: this.partitionKey, epk: this.epk, previous, next }];
    });
  }
}

const checkIfMatch = (current: JsonObject, ifMatch: string | undefined): Outcome | undefined =>
  ifMatch !== undefined && ifMatch !== '*' && current._etag !== ifMatch ? preconditionFailed() : undefined;

/** Checks an incoming body: an id the service accepts, the request's partition key, the size limit. */
const validBody = (container: ContainerState, partitionKey: string, body: unknown): { ok: true; body: JsonObject } | { ok: false; outcome: Outcome } => {
  const refuse = (outcome: Outcome) => ({ ok: false as const, outcome });
  const id = isJsonObject(body) ? body.id : undefined;
  if (!isJsonObject(body) || typeof id !== 'string' || id.length === 0)
    return refuse(badRequest("The input content is invalid because the required properties - 'id; ' - are missing"));
  if (id.length > MAX_ID_LENGTH || FORBIDDEN_ID.test(id)) return refuse(badRequest(`The input name '${id}' is invalid.`));
  if (partitionKeyText(partitionKeyOfItem(container.partitionKeyDefinition, body)) !== partitionKey)
    return refuse(badRequest("PartitionKey extracted from document doesn't match the one specified in the header.", 1001));
  if (sizeInBytes(body) > MAX_ITEM_BYTES) return refuse(failure(413, 'RequestEntityTooLarge', 'Request size is too large.'));
  return { ok: true, body: withoutSystemProperties(body) };
};

const run = (view: StagedPartition, container: ContainerState, operation: Operation): Outcome => {
  const partitionKey = view.partitionKey;
  if (isItemWrite(operation)) {
    const checked = validBody(container, partitionKey, operation.body);
    if (!checked.ok) return checked.outcome;
    const body = checked.body;
    if (operation.type === 'Replace' && body.id !== operation.id) return badRequest('The id of the item does not match the id in the request.');
    const key = view.key(body.id as string);
    const current = view.current(key);
    if (operation.type === 'Create' && current !== undefined) return idTaken();
    if (operation.type === 'Replace' && current === undefined) return notFound();
    const precondition = current === undefined ? undefined : checkIfMatch(current, operation.ifMatch);
    if (precondition !== undefined) return precondition;
    if (view.violatesUniqueKey(key, body)) return uniqueTaken();
    view.stage(body.id as string, body);
    return { status: current === undefined ? 201 : 200, body };
  }
  const key = view.key(operation.id);
  const current = view.current(key);
  if (current === undefined) return notFound();
  const precondition = checkIfMatch(current, operation.ifMatch);
  if (precondition !== undefined) return precondition;
  switch (operation.type) {
    case 'Read':
      return { status: 200, body: current };
    case 'Delete':
      view.stage(operation.id, null);
      return { status: 204 };
    case 'Patch': {
      if (!conditionHolds(current, operation.patch.condition)) return preconditionFailed();
      let patched: JsonObject;
      try {
        patched = withoutSystemProperties(applyPatch(current, operation.patch.operations));
      } catch (error) {
        if (error instanceof PatchError) return badRequest(error.message);
        throw error;
      }
      if (partitionKeyText(partitionKeyOfItem(container.partitionKeyDefinition, patched)) !== partitionKey)
        return badRequest('A patch cannot change the partition key.');
      if (view.violatesUniqueKey(key, patched)) return uniqueTaken();
      view.stage(operation.id, patched);
      return { status: 200, body: patched };
    }
  }
};

/**
 * Runs the operations in order on a staged view; the first failure rolls everything back: that
 * operation keeps its status and every other one gets 424 Failed Dependency.
 */
export const planTransaction = (container: ContainerState, partitionKey: PartitionKeyValue, operations: Operation[]): TransactionPlan => {
  const view = new StagedPartition(container, partitionKey);
  const outcomes: Outcome[] = [];
  for (const operation of operations) {
    const outcome = run(view, container, operation);
    if (outcome.status >= 400) {
      const failedAt = outcomes.length;
      return {
        committed: false,
        outcomes: operations.map((_, index) =>
          index === failedAt ? outcome : failure(424, 'FailedDependency', 'Operation failed because of a failure of another operation in the batch.'),
        ),
      };
    }
    outcomes.push(outcome);
  }
  return { committed: true, outcomes, writes: view.writes() };
};
