import { z } from 'zod';
import { ConflictError, NotFoundError } from './errors.ts';
import { FeedEvent, FeedFilter } from './feed.ts';

// Consumer groups (persistent subscriptions): a named reader of the feed whose members fetch batches,
// acknowledge or refuse them, and whose place and unacknowledged events live in the region's store.
// Delivery is at least once, and a stream's events reach one member at a time, in order.

/** Names a group in `/api/consumers/{group}` and in the store. */
export const GroupName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, 'must start with a letter and contain only letters, digits, _ . and - (at most 64)');

export const DEFAULT_LEASE_MS = 30_000;
export const MAX_LEASE_MS = 15 * 60_000;
export const DEFAULT_MAX_DELIVERIES = 10;

/** What a group is created with; creating it again with the same settings changes nothing. */
export const GroupSettings = z.strictObject({
  filter: FeedFilter.default({}),
  /** Where a new group starts: the beginning of the log, or what is appended from now on. */
  from: z.enum(['beginning', 'now']).default('beginning'),
  /** How long a member holds a batch before it returns to the group. */
  leaseMs: z.number().int().min(100).max(MAX_LEASE_MS).default(DEFAULT_LEASE_MS),
  /** Deliveries of an event (leases that ran out, nacks with retry) before it is parked. */
  maxDeliveries: z.number().int().min(1).max(1000).default(DEFAULT_MAX_DELIVERIES),
});
export type GroupSettings = z.infer<typeof GroupSettings>;

/** An event the group holds: read from the feed, not yet acknowledged or parked. */
export const HeldEvent = z.object({
  event: FeedEvent,
  deliveries: z.number().int().min(0),
  /** Set while a member holds it. */
  lease: z.object({ batchId: z.string(), member: z.string(), until: z.number().int() }).optional(),
  lastError: z.string().optional(),
});
export type HeldEvent = z.infer<typeof HeldEvent>;

export const ParkedEvent = z.object({
  event: FeedEvent,
  deliveries: z.number().int(),
  reason: z.string(),
  parkedAt: z.iso.datetime(),
});
export type ParkedEvent = z.infer<typeof ParkedEvent>;

/** A group's whole state: one record, changed by conditional writes only. */
export const GroupState = z.object({
  group: GroupName,
  region: z.string(),
  settings: GroupSettings,
  /** The store's feed cursor after the last page read into `held`; absent before the first read (from the beginning). */
  cursor: z.string().optional(),
  /** Events read and not yet acknowledged or parked, in feed order. */
  held: z.array(HeldEvent),
  parked: z.array(ParkedEvent),
  acknowledged: z.number().int().min(0),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type GroupState = z.infer<typeof GroupState>;

export interface StoredGroupState {
  state: GroupState;
  etag: string;
}

/** Where groups live: the region's store (a table of the SQLite views file, documents of the Cosmos DB `views` container). */
export interface ConsumerGroupStore {
  get(group: string): Promise<StoredGroupState | undefined>;
  /** New etag, or undefined when the condition does not hold (another member got there first). */
  put(state: GroupState, condition: { absent: true } | { etag: string }): Promise<string | undefined>;
  list(): Promise<string[]>;
}

export class UnknownGroupError extends NotFoundError {
  constructor(group: string) {
    super(`no consumer group named ${group}`);
  }
}

export const groupExistsError = (group: string): ConflictError =>
  new ConflictError('group-exists', 'Consumer group exists with other settings', `consumer group ${group} exists with other settings: create it with the same settings, or pick another name`);

/** An ack or nack for a batch the member no longer holds: its lease ran out and the events went back to the group (or on to another member). */
export const leaseLostError = (group: string, batchId: string): ConflictError =>
  new ConflictError('lease-expired', 'Batch no longer held', `batch ${batchId} of consumer group ${group} is no longer held: its lease ran out and its events were returned to the group`);

/** An event handed to a member, with how many times it has been handed out (1 the first time). */
export const GroupMessage = FeedEvent.extend({ deliveryCount: z.number().int().min(1) });
export type GroupMessage = z.infer<typeof GroupMessage>;

export const GroupBatch = z.object({
  group: z.string(),
  member: z.string(),
  /** Names the batch in ack and nack; absent when there was nothing to hand out. */
  batchId: z.string().optional(),
  /** When the batch returns to the group unless acknowledged. */
  leaseExpiresAt: z.iso.datetime().optional(),
  events: z.array(GroupMessage),
});
export type GroupBatch = z.infer<typeof GroupBatch>;

export const GroupStatus = z.object({
  group: z.string(),
  region: z.string(),
  filter: FeedFilter,
  from: z.enum(['beginning', 'now']),
  leaseMs: z.number().int(),
  maxDeliveries: z.number().int(),
  /** Events read and not yet acknowledged or parked. */
  pending: z.number().int(),
  /** Of those, held by a member now. */
  inFlight: z.number().int(),
  parked: z.number().int(),
  acknowledged: z.number().int(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type GroupStatus = z.infer<typeof GroupStatus>;

export interface NextBatchRequest {
  member: string;
  max: number;
  waitMs: number;
  signal?: AbortSignal;
}

export interface RefusalRequest {
  /** `retry`: back to the group at once (parked after `maxDeliveries`); `park`: set aside until replayed. */
  action: 'retry' | 'park';
  /** Only these events of the batch; all of it when absent. */
  eventIds?: readonly string[];
  reason?: string;
}

/** Consumer groups of this region, as the routes use them. */
export interface ConsumerGroupService {
  create(group: string, settings: GroupSettings): Promise<{ created: boolean; status: GroupStatus }>;
  status(group: string): Promise<GroupStatus>;
  list(): Promise<GroupStatus[]>;
  next(group: string, request: NextBatchRequest): Promise<GroupBatch>;
  /** Acknowledges the batch (or these events of it): they are done and never handed out again. */
  ack(group: string, batchId: string, eventIds?: readonly string[]): Promise<{ acknowledged: number }>;
  nack(group: string, batchId: string, request: RefusalRequest): Promise<{ returned: number; parked: number }>;
  parked(group: string): Promise<ParkedEvent[]>;
  /** Parked events (these, or all) go back to the group, after what it holds. */
  replayParked(group: string, eventIds?: readonly string[]): Promise<{ replayed: number }>;
}
