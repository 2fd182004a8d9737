import { backoffDelayMs, retry, StoreUnavailableError, type CheckpointStore, type ConsumerState, type ConsumerStatus, type StoredConsumerState } from '../core/index.ts';

/** Status is derived, never stored, so it cannot disagree with the halt, pause and rebuild records. */
export const statusOf = (state: ConsumerState): ConsumerStatus =>
  state.halt !== undefined || state.paused !== undefined ? 'halted' : state.rebuild !== undefined ? 'rebuilding' : 'running';

/** How many skipped events a state record keeps, newest last (Cosmos DB items are bounded in size). */
export const MAX_SKIP_RECORDS = 100;

/** A consumer that has never run: generation 1, from the start of the log. */
export const initialState = (consumer: string, definitionVersion: number, region: string, now: string): ConsumerState => ({
  consumer,
  region,
  definitionVersion,
  generation: 1,
  position: 0,
  eventsApplied: 0,
  skipped: [],
  retired: [],
  ignoredDocuments: 0,
  updatedAt: now,
});

const STATE_WRITE_ATTEMPTS = 20;
/** Between conflicting writes of one record: many change-feed instances may update it at once. */
export const CONFLICT_BACKOFF = { maxAttempts: STATE_WRITE_ATTEMPTS, baseDelayMs: 2, maxDelayMs: 200 };

/** Another writer changed the record since it was read: read it again and redo the change. */
class WriteConflict extends Error {}

/**
 * Read-modify-write of a state record with optimistic concurrency: the follower, the change-feed
 * trigger and the admin routes all change it, possibly in different processes. `change` returns the
 * new state, or undefined to leave it as it is; it runs again on a fresh read after a conflict.
 */
export const updateState = async (
  store: CheckpointStore,
  name: string,
  create: () => ConsumerState,
  change: (state: ConsumerState) => ConsumerState | undefined,
): Promise<StoredConsumerState> => {
  // Tried first without a read; a stale one costs a refused write, and deciding that nothing changes takes a fresh read.
  let known = store.lastKnown?.(name);
  const readModifyWrite = async (): Promise<StoredConsumerState> => {
    const trusted = known;
    known = undefined;
    const stored = trusted ?? (await store.get(name));
    const current = stored?.state ?? create();
    const next = change(structuredClone(current));
    if (next === undefined && stored !== undefined) return trusted === undefined ? stored : readModifyWrite();
    const state = next ?? current;
    const etag = await store.put(state, stored === undefined ? { absent: true } : { etag: stored.etag });
    if (etag === undefined) throw new WriteConflict();
    return { state, etag };
  };
  try {
    return await retry(readModifyWrite, {
      policy: CONFLICT_BACKOFF,
      retryOn: (error) => error instanceof WriteConflict,
      delayMs: (_error, attempt) => backoffDelayMs(attempt + 1, CONFLICT_BACKOFF),
    });
  } catch (error) {
    if (!(error instanceof WriteConflict)) throw error;
    throw new StoreUnavailableError(`state of consumer ${name} kept changing under ${STATE_WRITE_ATTEMPTS} attempts to write it`);
  }
};
