import { backoffDelayMs, mapLimited, retry, StoreUnavailableError, type StoredViewDocument, type ViewDocument, type ViewStore } from '../../core/index.ts';
import { CONFLICT_BACKOFF } from '../state.ts';

/** How often a document write is retried when another writer changed it since it was read. */
export const DOCUMENT_WRITE_ATTEMPTS = 20;

class WriteConflict extends Error {}

/**
 * Read-modify-write with optimistic concurrency. `change` gets the stored document (or undefined) and
 * returns the document to write, or undefined when there is nothing to change. The first read may be
 * supplied by the caller, who often has it already.
 */
export const updateDocument = async (
  store: ViewStore,
  view: string,
  key: string,
  change: (current: StoredViewDocument | undefined) => ViewDocument | undefined,
  firstRead?: StoredViewDocument | null,
): Promise<void> => {
  const readModifyWrite = async (attempt: number): Promise<void> => {
    const current = attempt === 0 && firstRead !== undefined ? (firstRead ?? undefined) : await store.get(view, key);
    const next = change(current);
    if (next === undefined) return;
    const etag = await store.put(next, current === undefined ? { absent: true } : { etag: current.etag });
    if (etag === undefined) throw new WriteConflict();
  };
  try {
    await retry(readModifyWrite, {
      policy: { ...CONFLICT_BACKOFF, maxAttempts: DOCUMENT_WRITE_ATTEMPTS },
      retryOn: (error) => error instanceof WriteConflict,
      // The first conflict re-reads at once; repeated ones back off so contending writers spread out.
      delayMs: (_error, attempt) => (attempt === 0 ? 0 : backoffDelayMs(attempt + 1, CONFLICT_BACKOFF)),
    });
  } catch (error) {
    if (!(error instanceof WriteConflict)) throw error;
    throw new StoreUnavailableError(`view document ${view}/${key} kept changing under ${DOCUMENT_WRITE_ATTEMPTS} attempts to write it`);
  }
};

/** A first write of a document, made on what the writer read, and how to redo it on a fresh read should another writer have got there first. */
export interface PlannedWrite {
  document: ViewDocument;
  /** What the writer read: undefined when the document was absent. */
  read: StoredViewDocument | undefined;
  redo: (current: StoredViewDocument | undefined) => ViewDocument | undefined;
}

/** Concurrent fallbacks for writes that lost a race: each re-reads its own document. */
const REDO_CONCURRENCY = 16;

/**
 * Writes many documents in one call to the store (one transaction, or bulk requests), each under the
 * condition of what its writer read; those whose condition no longer held are redone one by one by
 * read-modify-write. Returns how many had to be redone.
 */
export const writeDocuments = async (store: ViewStore, writes: readonly PlannedWrite[]): Promise<number> => {
  if (writes.length === 0) return 0;
  const etags = await store.putMany(writes.map(({ document, read }) => ({ document, condition: read === undefined ? { absent: true } : { etag: read.etag } })));
  const refused = writes.filter((_, index) => etags[index] === undefined);
  await mapLimited(refused, REDO_CONCURRENCY, ({ document, redo }) => updateDocument(store, document.view, document.key, redo));
  return refused.length;
};
