import type { Region, ReplicationRecord } from './region.ts';

// Asynchronous replication between regions. Below strong consistency a write is acknowledged by the
// write region before the other regions have it: when the write region has an outage, "some data may
// not have been replicated to the remaining active regions"
// (https://learn.microsoft.com/azure/cosmos-db/high-availability). Here every committed transaction
// is queued to every other region and applied there, in commit order, once the target's lag has
// passed. A link is held while either end is cut off: a region that is unreachable neither receives
// nor sends.

interface Delivery {
  record: ReplicationRecord;
  origin: Region;
  enqueuedAt: number;
}

export class Replication {
  private readonly queues = new Map<Region, Delivery[]>();
  private readonly timers = new Map<Region, NodeJS.Timeout>();
  private readonly regions: () => readonly Region[];
  private readonly apply: (target: Region, record: ReplicationRecord) => void;
  private closed = false;

  constructor(regions: () => readonly Region[], apply: (target: Region, record: ReplicationRecord) => void) {
    this.regions = regions;
    this.apply = apply;
  }

  /** Queues a transaction the origin committed to every other region. */
  ship(record: ReplicationRecord, origin: Region): void {
    for (const target of this.regions()) {
      if (target === origin) continue;
      this.queueOf(target).push({ record, origin, enqueuedAt: Date.now() });
      this.schedule(target);
    }
  }

  /** Applies, in order, whatever is due at the target and not held by a cut link. */
  deliverDue(target: Region): void {
    this.deliver(target, (delivery) => delivery.enqueuedAt + target.lagMs <= Date.now());
    this.schedule(target);
  }

  /** Applies everything queued for the target from this origin at once (the drain of a planned failover). */
  drain(target: Region, origin: Region): void {
    this.deliver(target, (delivery) => delivery.origin === origin);
  }

  /** Drops what is queued for the target, optionally only from one origin; returns the dropped records. */
  discard(target: Region, origin?: Region): ReplicationRecord[] {
    const queue = this.queueOf(target);
    const dropped = queue.filter((delivery) => origin === undefined || delivery.origin === origin);
    this.queues.set(target, queue.filter((delivery) => !dropped.includes(delivery)));
    return dropped.map((delivery) => delivery.record);
  }

  /** Transactions queued for the target (not yet applied there). */
  pending(target: Region): ReplicationRecord[] {
    return this.queueOf(target).map((delivery) => delivery.record);
  }

  /** Re-plans every region's delivery (after a lag change or a heal). */
  reschedule(): void {
    for (const target of this.regions()) this.deliverDue(target);
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private queueOf(target: Region): Delivery[] {
    let queue = this.queues.get(target);
    if (queue === undefined) this.queues.set(target, (queue = []));
    return queue;
  }

  private linkUp(delivery: Delivery, target: Region): boolean {
    return delivery.origin.isUp && target.isUp;
  }

  /** One pass over the queue, in order; records held by a cut link stay, later ones may pass them. */
  private deliver(target: Region, ready: (delivery: Delivery) => boolean): void {
    const remaining: Delivery[] = [];
    for (const delivery of this.queueOf(target)) {
      if (this.linkUp(delivery, target) && ready(delivery)) this.apply(target, delivery.record);
      else remaining.push(delivery);
    }
    this.queues.set(target, remaining);
  }

  private schedule(target: Region): void {
    if (this.closed) return;
    clearTimeout(this.timers.get(target));
    this.timers.delete(target);
    const dueTimes = this.queueOf(target)
      .filter((delivery) => this.linkUp(delivery, target))
      .map((delivery) => delivery.enqueuedAt + target.lagMs);
    if (dueTimes.length === 0) return;
    const timer = setTimeout(() => this.deliverDue(target), Math.max(0, Math.min(...dueTimes) - Date.now()));
    timer.unref();
    this.timers.set(target, timer);
  }
}
