import { z } from 'zod';
import { deepCopy, isJsonObject, pathSegments, type JsonObject } from './json.ts';
import { matchesFilter } from './query.ts';

// Partial document update (Patch), as https://learn.microsoft.com/azure/cosmos-db/partial-document-update
// defines its operations:
// - Add: adds the member, or replaces it when it exists; at an array index it inserts and shifts, "-"
//   appends, an index past the end is an error.
// - Set: like Add, except that at an array index it updates the element there.
// - Replace: strict replace-only; a path that doesn't exist is an error.
// - Remove: a path that doesn't exist is an error; an array element is removed and the rest shift.
// - Increment: adds the value; a missing field is created with it; a non-number is an error.
// - Move: removes the value at `from` and adds it at `path`.
// A conditional patch carries a filter predicate ("from c where ..."): it applies only when the item
// matches, otherwise the request fails with 412 Precondition Failed.

export const PatchOperation = z.discriminatedUnion('op', [
  z.object({ op: z.enum(['add', 'set', 'replace', 'incr']), path: z.string().startsWith('/'), value: z.unknown() }),
  z.object({ op: z.literal('remove'), path: z.string().startsWith('/') }),
  z.object({ op: z.literal('move'), path: z.string().startsWith('/'), from: z.string().startsWith('/') }),
]);
export type PatchOperation = z.infer<typeof PatchOperation>;

/** The body of a Patch request, or the resourceBody of a Patch in a batch (the SDK sends a bare array too). */
export const PatchSpec = z.union([
  z.object({ operations: z.array(PatchOperation), condition: z.string().optional() }),
  z.array(PatchOperation).transform((operations) => ({ operations, condition: undefined })),
]);
export type PatchSpec = z.infer<typeof PatchSpec>;

/**
 * "There is a limit of 10 patch operations that can be added in a single patch specification", and
 * system-generated properties cannot be patched
 * (https://learn.microsoft.com/azure/cosmos-db/partial-document-update-faq).
 */
export const MAX_PATCH_OPERATIONS = 10;

/** Paths a patch may not touch: the item's identity and what the service maintains. */
const PROTECTED = new Set(['id', '_rid', '_self', '_etag', '_ts', '_lsn', '_attachments']);

export class PatchError extends Error {}

type Container = JsonObject | unknown[];

const parentOf = (document: JsonObject, path: string): { parent: Container; key: string } => {
  const segments = pathSegments(path);
  if (segments.length === 0 || (segments.length === 1 && PROTECTED.has(segments[0]!))) throw new PatchError(`path ${path} cannot be patched`);
  let parent: unknown = document;
  for (const segment of segments.slice(0, -1)) {
    parent = Array.isArray(parent) ? parent[Number(segment)] : isJsonObject(parent) ? parent[segment] : undefined;
    if (parent === undefined) throw new PatchError(`the parent of ${path} does not exist`);
  }
  if (!Array.isArray(parent) && !isJsonObject(parent)) throw new PatchError(`the parent of ${path} is not an object or an array`);
  return { parent, key: segments.at(-1)! };
};

const arrayIndex = (array: unknown[], key: string, path: string, allowEnd: boolean): number => {
  if (key === '-' && allowEnd) return array.length;
  const index = Number(key);
  if (!Number.isInteger(index) || index < 0 || index > array.length || (index === array.length && !allowEnd))
    throw new PatchError(`${path} is not a valid index of its array`);
  return index;
};

const exists = (parent: Container, key: string): boolean =>
  Array.isArray(parent) ? Number.isInteger(Number(key)) && Number(key) >= 0 && Number(key) < parent.length : Object.hasOwn(parent, key);

const read = (parent: Container, key: string): unknown => (Array.isArray(parent) ? parent[Number(key)] : parent[key]);

const write = (document: JsonObject, path: string, value: unknown, mode: 'add' | 'set' | 'replace'): void => {
  const { parent, key } = parentOf(document, path);
  if (mode === 'replace' && !exists(parent, key)) throw new PatchError(`${path} does not exist`);
  if (!Array.isArray(parent)) {
    parent[key] = value;
    return;
  }
  const index = arrayIndex(parent, key, path, mode === 'add');
  if (mode === 'add') parent.splice(index, 0, value);
  else parent[index] = value;
};

const remove = (document: JsonObject, path: string): unknown => {
  const { parent, key } = parentOf(document, path);
  if (!exists(parent, key)) throw new PatchError(`${path} does not exist`);
  const value = read(parent, key);
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else delete parent[key];
  return value;
};

const increment = (document: JsonObject, path: string, by: unknown): void => {
  if (typeof by !== 'number') throw new PatchError(`the increment of ${path} is not a number`);
  const { parent, key } = parentOf(document, path);
  const current = exists(parent, key) ? read(parent, key) : 0;
  if (typeof current !== 'number') throw new PatchError(`${path} is not a number`);
  write(document, path, current + by, 'set');
};

const applyOne = (document: JsonObject, operation: PatchOperation): void => {
  switch (operation.op) {
    case 'add':
    case 'set':
    case 'replace':
      return write(document, operation.path, deepCopy(operation.value), operation.op);
    case 'remove':
      return void remove(document, operation.path);
    case 'incr':
      return increment(document, operation.path, operation.value);
    case 'move':
      return write(document, operation.path, remove(document, operation.from), 'add');
  }
};

/** The patched copy of `document`; throws PatchError (the service's 400) when an operation cannot apply. */
export const applyPatch = (document: JsonObject, operations: PatchOperation[]): JsonObject => {
  if (operations.length === 0 || operations.length > MAX_PATCH_OPERATIONS)
    throw new PatchError(`a patch takes 1 to ${MAX_PATCH_OPERATIONS} operations, not ${operations.length}`);
  const patched = deepCopy(document);
  for (const operation of operations) applyOne(patched, operation);
  return patched;
};

/** True when the item matches the patch's filter predicate (or there is none). */
export const conditionHolds = (document: JsonObject, condition: string | undefined): boolean =>
  condition === undefined || condition.trim() === '' || matchesFilter(document, condition);
