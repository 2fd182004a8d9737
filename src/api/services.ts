import type { EventStore } from '../core/index.ts';

/** What the stream and health handlers need; hosts build it once per process. */
export interface ApiServices {
  eventStore: EventStore;
  region: string;
  /** Package version, reported by health. */
  version: string;
}
