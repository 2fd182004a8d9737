import type {
  ConsumerControl,
  ConsumerGroupService,
  ErasureOutcome,
  EventStore,
  FeedService,
  NewEvent,
  Snapshots,
  StreamLifecycle,
  StreamRef,
  ViewQueryService,
} from '../core/index.ts';

/**
 * What the raw append route may write, by aggregate type; the app builds it from the aggregates its
 * modules register (src/app/appendPolicy.ts). `check` returns when the events may be appended and
 * throws the refusal otherwise (a 400 naming the field, or a 403).
 */
export interface AppendPolicy {
  check(stream: StreamRef, events: readonly NewEvent[]): void;
}

/** What the route handlers need; hosts build it once per process. */
export interface ApiServices {
  eventStore: EventStore;
  region: string;
  /** Package version, reported by health. */
  version: string;
  /** The region's projections and reactors: views, status and control. */
  consumers: ConsumerControl;
  /** The log as outside services follow it: `GET /api/feed`, page by page or as Server-Sent Events. */
  feed: FeedService;
  /** Persistent subscriptions: `/api/consumers/{group}`. */
  groups: ConsumerGroupService;
  /** Queries over views: `GET /api/views/{view}`. */
  viewQueries: ViewQueryService;
  /** Guards the raw append route for the aggregate types the app registers. */
  appendPolicy: AppendPolicy;
  /** Snapshots of the aggregates that declare them, for command handlers; absent when the host keeps none. */
  snapshots?: Snapshots;
  /** Archive, close and delete streams (admin routes); absent where the store keeps no archive records. */
  lifecycle?: StreamLifecycle;
  /** Conflicts waiting in the account's conflicts feed (at least this many); absent where the store has none. */
  pendingConflicts?: () => Promise<number>;
  /** Erases a data subject's personal data (src/core/erasure.ts); absent when the app declares none. */
  eraseSubject?: (subjectId: string) => Promise<ErasureOutcome>;
}
