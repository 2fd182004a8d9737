import { backoffDelayMs, sleep, StoreUnavailableError, type StoredViewDocument, type ViewDocument, type ViewStore } from '../core/index.ts';
import { CONFLICT_BACKOFF } from './stateRecords.ts';

/** How often a document write is retried when another writer changed it since it was read. */
export const DOCUMENT_WRITE_ATTEMPTS = 20;

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
  let current = firstRead === undefined ? await store.get(view, key) : (firstRead ?? undefined);
  for (let attempt = 1; attempt <= DOCUMENT_WRITE_ATTEMPTS; attempt++) {
    const next = change(current);
    if (next === undefined) return;
    const etag = await store.put(next, current === undefined ? { absent: true } : { etag: current.etag });
    if (etag !== undefined) return;
    // The first conflict re-reads at once; repeated ones back off so contending writers spread out.
    if (attempt > 1) await sleep(backoffDelayMs(attempt, CONFLICT_BACKOFF));
    current = await store.get(view, key);
  }
  throw new StoreUnavailableError(`view document ${view}/${key} kept changing under ${DOCUMENT_WRITE_ATTEMPTS} attempts to write it`);
};
