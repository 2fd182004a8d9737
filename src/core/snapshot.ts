import { z } from 'zod';

// Snapshots are a cache of an aggregate's state, never a source of truth: losing one only costs
// replay, so stores may keep them with weaker durability than the log, and a changed shape simply
// discards them (the loader ignores a snapshot whose schemaVersion is not the decider's).

/** One stored snapshot: in Cosmos DB an item of the `snapshots` container (partition key `/streamId`, id = name). */
export const Snapshot = z.object({
  streamId: z.string().min(1),
  /** Which state of the stream this is (a stream may back more than one decider); the item id in Cosmos DB. */
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,127}$/),
  /** Shape of `state`, as the decider declares it; a different number means the snapshot is discarded. */
  schemaVersion: z.number().int().min(1),
  /** Stream version the state includes: loading continues at `version + 1`. */
  version: z.number().int().min(1),
  /** The decider's state as JSON. */
  state: z.unknown(),
  takenAt: z.iso.datetime(),
});
export type Snapshot = z.infer<typeof Snapshot>;

/**
 * Where snapshots live. One snapshot per (streamId, name): a write replaces the previous one
 * (last write wins; an older snapshot replacing a newer one is harmless, it only costs replay).
 */
export interface SnapshotStore {
  readonly kind: string;
  /** Undefined when the stream has no snapshot of that name. */
  read(streamId: string, name: string): Promise<Snapshot | undefined>;
  write(snapshot: Snapshot): Promise<void>;
  close(): Promise<void>;
}

/** How a decider's state is snapshotted; declared on the Decider. */
export interface SnapshotPolicy<State> {
  /** Snapshot name, unique among the deciders of one stream. Default `state`. */
  name?: string;
  /** Bump it whenever the state's shape (or the meaning of evolve) changes: older snapshots are then ignored. */
  schemaVersion: number;
  /** Write a new snapshot once this many events have been appended since the one loaded. */
  every: number;
  /** State to JSON; default: the state as it is (it must then be JSON already). */
  toSnapshot?: (state: State) => unknown;
  /** JSON back to state; default: the JSON as it is. */
  fromSnapshot?: (data: unknown) => State;
}

export const DEFAULT_SNAPSHOT_NAME = 'state';

export const snapshotNameOf = (policy: { name?: string }): string => policy.name ?? DEFAULT_SNAPSHOT_NAME;
