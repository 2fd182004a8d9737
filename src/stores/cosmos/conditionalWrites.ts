import type { Container } from '@azure/cosmos';
import type { WriteCondition } from '../../core/index.ts';
import { asResourceBody } from './documents.ts';
import { deadlineOf, type Within } from './deadline.ts';
import { mapCosmosErrors } from './errors.ts';

// Optimistic concurrency on single documents: a write names the `_etag` it read (If-Match) or asks
// for the document to be absent (create); a refused condition is an answer, not an error.

const statusOf = (error: unknown): unknown => (error as { code?: unknown }).code;

type StoredItem = Record<string, unknown> & { _etag: string };

/** A point read: one request. Undefined when absent. */
export const readDocument = (container: Container, id: string, partitionKey: string, within: Within = deadlineOf()): Promise<StoredItem | undefined> =>
  mapCosmosErrors('read', () =>
    within(async () => {
      const { resource } = await container.item(id, partitionKey).read<StoredItem>();
      return resource;
    }),
  );

/** A point read with the etag a reader holds: 'unchanged' when the item is still at it (If-None-Match, answered 304 without the body). */
export const readDocumentIfChanged = (
  container: Container,
  id: string,
  partitionKey: string,
  etag: string,
  within: Within = deadlineOf(),
): Promise<StoredItem | 'unchanged' | undefined> =>
  mapCosmosErrors('read', () =>
    within(async () => {
      const { resource, statusCode } = await container.item(id, partitionKey).read<StoredItem>({ accessCondition: { type: 'IfNoneMatch', condition: etag } });
      return statusCode === 304 ? 'unchanged' : resource;
    }),
  );

/** Writes if the condition holds and returns the new etag; undefined when it does not hold. */
export const writeDocument = <T extends { id: string }>(
  container: Container,
  document: T,
  partitionKey: string,
  condition: WriteCondition,
  within: Within = deadlineOf(),
): Promise<string | undefined> =>
  mapCosmosErrors('write', () => within(async () => {
    try {
      const response =
        'absent' in condition
          ? await container.items.create(asResourceBody(document))
          : await container.item(document.id, partitionKey).replace(asResourceBody(document), { accessCondition: { type: 'IfMatch', condition: condition.etag } });
      return response.etag ?? (response.resource as { _etag?: string } | undefined)?._etag;
    } catch (error) {
      const status = statusOf(error);
      // 409: it exists (create); 412: another writer changed it; 404: it was deleted meanwhile.
      if (status === 409 || status === 412 || status === 404) return undefined;
      throw error;
    }
  }));

/** Deletes if present. */
export const deleteDocument = (container: Container, id: string, partitionKey: string, within: Within = deadlineOf()): Promise<void> =>
  mapCosmosErrors('delete', () =>
    within(async () => {
      try {
        await container.item(id, partitionKey).delete();
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
    }),
  );

/** Strips the system properties Cosmos DB adds to every document. */
export const withoutSystemProperties = <T extends Record<string, unknown>>(document: T): Omit<T, '_rid' | '_self' | '_etag' | '_attachments' | '_ts' | '_lsn'> => {
  const { _rid, _self, _etag, _attachments, _ts, _lsn, ...rest } = document;
  return rest;
};
