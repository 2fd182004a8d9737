import type { EventEnvelope } from '../core/index.ts';
import { copyKey, type ReplicaTransaction, type ShippedEvent } from './replica.ts';

// How a replica takes an event another region accepted. Cosmos DB replicates items; our items form
// streams, and an event was decided on top of the one before it. So when two regions write the same
// stream position the stream has forked: one branch keeps the position and everything after it, and
// every event of the other branch, from the fork on, is lost here and surfaces as a conflict. Every
// replica applies the same pairwise rules, so all of them end with the same branch.

/** Orders two copies that compete for one place: negative when `a` wins. The same in every region. */
export type CopyRanking = (a: EventEnvelope, b: EventEnvelope) => number;

/**
 * Earlier recorded wins, then the region earlier in the failover priority list, then the smaller id.
 * "First writer wins" keeps the event most clients have already seen; the tie-breaks make it total.
 */
export const firstWriterWins =
  (regionOrder: readonly string[]): CopyRanking =>
  (a, b) => {
    if (a.recordedAt !== b.recordedAt) return a.recordedAt < b.recordedAt ? -1 : 1;
    const byRegion = regionOrder.indexOf(a.region) - regionOrder.indexOf(b.region);
    if (byRegion !== 0) return byRegion;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  };

/** An event that lost its place here: the conflict the account reports. */
export interface LostEvent {
  loser: EventEnvelope;
  /** What holds the place now, when something does. */
  winner?: EventEnvelope;
}

export type ShipmentStatus =
  /** Inserted here. */
  | 'applied'
  /** This copy is here already. */
  | 'present'
  /** Lost here (now or before): to the copy in its place, or because what it was decided on top of lost. */
  | 'lost'
  /** What it was decided on top of has not reached this replica yet: try again later. */
  | 'deferred';

export interface ShipmentOutcome {
  status: ShipmentStatus;
  /** Events that lost here while applying it (the shipped one, or this replica's branch). */
  lost: LostEvent[];
  /** True when events this replica had were removed: its views must be rebuilt. */
  rewrote: boolean;
}

const outcome = (status: ShipmentStatus, lost: LostEvent[] = [], rewrote = false): ShipmentOutcome => ({ status, lost, rewrote });

/** Applies one shipped event to a replica, inside its transaction. */
export const applyShipped = (tx: ReplicaTransaction, shipped: ShippedEvent, rank: CopyRanking): ShipmentOutcome => {
  const { event } = shipped;
  const { streamId, sequence } = event;
  const copy = copyKey(event);
  if (tx.isLost(streamId, copy)) return outcome('lost');
  const occupant = tx.eventAt(streamId, sequence);
  if (occupant !== undefined && copyKey(occupant) === copy) return outcome('present');

  const lose = (winner: EventEnvelope | undefined): ShipmentOutcome => {
    tx.markLost(event);
    return outcome('lost', [{ loser: event, ...(winner === undefined ? {} : { winner }) }]);
  };

  if (sequence > 1) {
    // Decided on top of a copy that lost here: this branch of the stream lost, so this event did too.
    if (shipped.previous !== undefined && tx.isLost(streamId, shipped.previous)) return lose(occupant);
    const before = tx.eventAt(streamId, sequence - 1);
    if (before === undefined || copyKey(before) !== shipped.previous) return outcome('deferred');
  }

  // From here on this replica's stream matches the origin's below this place, so the same event id
  // cannot sit lower in it; a copy at this place or above competes, and leaves with the losing branch.
  let lost: LostEvent[] = [];
  if (occupant !== undefined) {
    if (rank(occupant, event) < 0) return lose(occupant);
    lost = tx.removeFrom(streamId, sequence).map((loser, index) => (index === 0 ? { loser, winner: event } : { loser }));
  }
  tx.insert(event);
  return outcome('applied', lost, lost.length > 0);
};
