import { backoffDelayMs, sleep, StoreUnavailableError, type CheckpointStore, type ProjectionDefinition, type ProjectionState, type StoredProjectionState } from '../core/index.ts';

export type ProjectionStatus = 'running' | 'halted' | 'rebuilding';

/** Status is derived, never stored, so it cannot disagree with the halt and rebuild records. */
export const statusOf = (state: ProjectionState): ProjectionStatus =>
  state.halt !== undefined ? 'halted' : state.rebuild !== undefined ? 'rebuilding' : 'running';

/** How many skipped events a state record keeps, newest last (Cosmos DB items are bounded in size). */
export const MAX_SKIP_RECORDS = 100;

/** A projection that has never run: generation 1, from the start of the log. */
export const initialState = (projection: ProjectionDefinition, region: string, now: string): ProjectionState => ({
  projection: projection.name,
  region,
  definitionVersion: projection.version,
  generation: 1,
  position: 0,
  eventsApplied: 0,
  skipped: [],
  retired: [],
  updatedAt: now,
});

const STATE_WRITE_ATTEMPTS = 20;
/** Between conflicting writes of one record: many change-feed instances may update it at once. */
export const CONFLICT_BACKOFF = { maxAttempts: STATE_WRITE_ATTEMPTS, baseDelayMs: 2, maxDelayMs: 200 };

/**
 * Read-modify-write of a state record with optimistic concurrency: the poller, the change-feed
 * trigger and the admin routes all change it, possibly in different processes. `change` returns the
 * new state, or undefined to leave it as it is; it runs again on a fresh read after a conflict.
 */
export const updateState = async (
  store: CheckpointStore,
  name: string,
  create: () => ProjectionState,
  change: (state: ProjectionState) => ProjectionState | undefined,
): Promise<StoredProjectionState> => {
  let stored = await store.get(name);
  for (let attempt = 1; attempt <= STATE_WRITE_ATTEMPTS; attempt++) {
    const current = stored?.state ?? create();
    const next = change(structuredClone(current));
    if (next === undefined && stored !== undefined) return stored;
    const state = next ?? current;
    const etag = await store.put(state, stored === undefined ? { absent: true } : { etag: stored.etag });
    if (etag !== undefined) return { state, etag };
    await sleep(backoffDelayMs(attempt, CONFLICT_BACKOFF));
    stored = await store.get(name);
  }
  throw new StoreUnavailableError(`state of projection ${name} kept changing under ${STATE_WRITE_ATTEMPTS} attempts to write it`);
};
