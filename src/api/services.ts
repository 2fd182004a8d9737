import type { ConsumerControl, EventStore, Snapshots } from '../core/index.ts';

/** What the route handlers need; hosts build it once per process. */
export interface ApiServices {
  eventStore: EventStore;
  region: string;
  /** Package version, reported by health. */
  version: string;
  /** The region's projections and reactors: views, status and control. */
  consumers: ConsumerControl;
  /** Snapshots of the aggregates that declare them, for command handlers; absent when the host keeps none. */
  snapshots?: Snapshots;
  /** Conflicts waiting in the account's conflicts feed (at least this many); absent where the store has none. */
  pendingConflicts?: () => Promise<number>;
}
