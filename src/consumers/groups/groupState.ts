import { ConflictError, leaseLostError, type FeedEntry, type GroupMessage, type GroupState, type HeldEvent, type ParkedEvent } from '../../core/index.ts';

// The transitions of a consumer group's record, pure: each takes the record and the time and returns
// the next record, so the service can apply them inside one conditional write and try again on a race.

/** Events a group holds at most (read ahead and not yet acknowledged): a stuck stream cannot grow the record without bound. */
export const HELD_LIMIT = 1_000;
/** Held events' JSON at most, so the record stays far below Cosmos DB's 2 MB item limit. */
export const HELD_BYTES_LIMIT = 1_000_000;
/** Parked events kept per group; past it, events stay held (and are handed out again) rather than dropped. */
export const PARKED_LIMIT = 1_000;

const park = (held: HeldEvent, reason: string, now: number): ParkedEvent => ({
  event: held.event,
  deliveries: held.deliveries,
  reason,
  parkedAt: new Date(now).toISOString(),
});

/** Moves held events matching `move` to the parked list while it has room; returns the new record and how many moved. */
const parkWhere = (state: GroupState, move: (held: HeldEvent) => string | undefined, now: number): { state: GroupState; parked: number } => {
  const held: HeldEvent[] = [];
  const parked = [...state.parked];
  for (const event of state.held) {
    const reason = move(event);
    if (reason !== undefined && parked.length < PARKED_LIMIT) parked.push(park(event, reason, now));
    else held.push(event);
  }
  return { state: { ...state, held, parked }, parked: parked.length - state.parked.length };
};

/** Leases that ran out return their events to the group; an event handed out `maxDeliveries` times is parked instead. */
export const expireLeases = (state: GroupState, now: number): GroupState => {
  if (!state.held.some((h) => h.lease !== undefined && h.lease.until <= now)) return state;
  const returned = state.held.map((h) => (h.lease !== undefined && h.lease.until <= now ? { ...h, lease: undefined, lastError: 'lease ran out' } : h));
  return parkWhere(
    { ...state, held: returned },
    (h) => (h.lease === undefined && h.deliveries >= state.settings.maxDeliveries ? `handed out ${h.deliveries} times without an ack` : undefined),
    now,
  ).state;
};

/** Events a member could be handed now: not held by anyone, and of a stream no member holds an event of. */
export const availableCount = (state: GroupState): number => {
  const locked = new Set(state.held.filter((h) => h.lease !== undefined).map((h) => h.event.streamId));
  return state.held.filter((h) => h.lease === undefined && !locked.has(h.event.streamId)).length;
};

/** Room left for events read from the feed. */
export const roomFor = (state: GroupState): number =>
  state.held.length >= HELD_LIMIT || JSON.stringify(state.held).length >= HELD_BYTES_LIMIT ? 0 : HELD_LIMIT - state.held.length;

/** Events read from the feed join the group after what it holds; the cursor moves past what was read. */
export const fill = (state: GroupState, entries: readonly FeedEntry[], cursor: string): GroupState => {
  const known = new Set(state.held.map((h) => h.event.id));
  const added = entries.filter((entry) => !known.has(entry.event.id)).map((entry): HeldEvent => ({ event: entry.event, deliveries: 0 }));
  return { ...state, cursor, held: [...state.held, ...added] };
};

/**
 * Up to `max` events for a member, in feed order. A stream one member holds is skipped for the others,
 * so its events are handled one batch at a time, in order: a stream's next event is handed out only
 * once the ones before it were acknowledged, parked or returned.
 */
export const takeBatch = (
  state: GroupState,
  request: { member: string; max: number; batchId: string; now: number },
): { state: GroupState; messages: GroupMessage[] } => {
  const locked = new Set(state.held.filter((h) => h.lease !== undefined).map((h) => h.event.streamId));
  const lease = { batchId: request.batchId, member: request.member, until: request.now + state.settings.leaseMs };
  const messages: GroupMessage[] = [];
  const held = state.held.map((h): HeldEvent => {
    if (messages.length >= request.max || h.lease !== undefined || locked.has(h.event.streamId)) return h;
    const deliveries = h.deliveries + 1;
    messages.push({ ...h.event, deliveryCount: deliveries });
    return { ...h, deliveries, lease };
  });
  return { state: { ...state, held }, messages };
};

/** The held events of a batch (those of `eventIds` when given); a batch no longer held is a 409 `lease-expired`. */
const batchEvents = (state: GroupState, batchId: string, eventIds: readonly string[] | undefined): Set<string> => {
  const inBatch = state.held.filter((h) => h.lease?.batchId === batchId).map((h) => h.event.id);
  if (inBatch.length === 0) throw leaseLostError(state.group, batchId);
  if (eventIds === undefined) return new Set(inBatch);
  const notInBatch = eventIds.filter((id) => !inBatch.includes(id));
  if (notInBatch.length > 0)
    throw new ConflictError('not-in-batch', 'Event not held in this batch', `event(s) ${notInBatch.join(', ')} are not held in batch ${batchId} of consumer group ${state.group} (acknowledged already, or returned to the group when the lease ran out)`);
  return new Set(eventIds);
};

export const acknowledge = (state: GroupState, batchId: string, eventIds: readonly string[] | undefined): { state: GroupState; acknowledged: number } => {
  const done = batchEvents(state, batchId, eventIds);
  return {
    state: { ...state, held: state.held.filter((h) => !done.has(h.event.id)), acknowledged: state.acknowledged + done.size },
    acknowledged: done.size,
  };
};

export const refuse = (
  state: GroupState,
  batchId: string,
  request: { action: 'retry' | 'park'; eventIds?: readonly string[]; reason?: string },
  now: number,
): { state: GroupState; returned: number; parked: number } => {
  const refused = batchEvents(state, batchId, request.eventIds);
  const reason = request.reason ?? (request.action === 'park' ? 'parked by a member' : 'refused by a member');
  if (request.action === 'park' && state.parked.length + refused.size > PARKED_LIMIT)
    throw new ConflictError('parked-full', 'Parked list full', `consumer group ${state.group} holds ${state.parked.length} parked events (at most ${PARKED_LIMIT}): replay them before parking more`);
  const returned = state.held.map((h) => (refused.has(h.event.id) ? { ...h, lease: undefined, lastError: reason } : h));
  const parked = parkWhere(
    { ...state, held: returned },
    (h) =>
      !refused.has(h.event.id)
        ? undefined
        : request.action === 'park'
          ? reason
          : h.deliveries >= state.settings.maxDeliveries
            ? `${reason}; handed out ${h.deliveries} times`
            : undefined,
    now,
  );
  return { state: parked.state, returned: refused.size - parked.parked, parked: parked.parked };
};

/** Parked events go back to the group after what it holds (their stream's later events may have been handled meanwhile). */
export const replayParked = (state: GroupState, eventIds: readonly string[] | undefined): { state: GroupState; replayed: number } => {
  const chosen = eventIds === undefined ? undefined : new Set(eventIds);
  const replay = state.parked.filter((p) => chosen === undefined || chosen.has(p.event.id));
  const held = new Set(state.held.map((h) => h.event.id));
  return {
    state: {
      ...state,
      parked: state.parked.filter((p) => !(chosen === undefined || chosen.has(p.event.id))),
      held: [...state.held, ...replay.filter((p) => !held.has(p.event.id)).map((p): HeldEvent => ({ event: p.event, deliveries: 0 }))],
    },
    replayed: replay.length,
  };
};
