import { join } from 'node:path';
import { sleep, type EventEnvelope } from '../core/index.ts';
import { SimulatedConflictFeed } from './conflictFeed.ts';
import { RegionEndpoint, type WriteRouting } from './endpoint.ts';
import { RegionOperationError, RegionUnavailableError, UnknownRegionError } from './errors.ts';
import { copyKey, RegionReplica } from './replica.ts';
import { applyShipped, firstWriterWins, type CopyRanking, type LostEvent } from './replication.ts';

// A Cosmos DB account with several regions, simulated on one machine: each region holds a replica of
// the log, and events reach the other regions only after the replication lag, and not at all while a
// region is cut off. The write modes and failovers follow the service's documented behaviour:
// - single write region: every region's writes go to the write region; reads are local and may lag;
// - planned failover ("switch write region"): writes pause until replication has drained, then move;
//   nothing is lost, and it is refused unless every region is connected;
// - forced failover: the next region takes writes at once; what the old write region acknowledged but
//   had not replicated is not in the new one, and when the old region is healed those writes leave its
//   replica and surface in the conflicts feed;
// - multi-write: each region takes writes locally; two regions writing one stream position conflict,
//   the first writer keeps it and the other branch surfaces in the conflicts feed.

export type WriteMode = 'single-write' | 'multi-write';

export interface RegionalAccountOptions {
  /** Region names in failover priority order: the first is the write region unless `writeRegion` is given. */
  regions: readonly string[];
  /** Each region's files go to `{dataDir}/{region}`. */
  dataDir: string;
  mode?: WriteMode;
  writeRegion?: string;
  /** How old an event must be before it reaches another region. */
  replicationLagMs?: number;
  /** Added to every request a region sends to another (a write forwarded to the write region). */
  crossRegionLatencyMs?: number;
  /** Longest a planned failover waits for replication to drain before it gives up. */
  drainTimeoutMs?: number;
  /** Most events one replication step moves per pair of regions. */
  batchSize?: number;
}

export interface RegionStatus {
  name: string;
  role: 'write' | 'read';
  /** False while cut off from the other regions. */
  connected: boolean;
  /** True after a forced failover took writes away from it, until it is healed. */
  offline: boolean;
  /** Position of the last event in its replica. */
  head: number;
  /** Per other region: events that region accepted which have not reached this one yet. */
  behind: Record<string, number>;
}

export interface AccountStatus {
  mode: WriteMode;
  writeRegion?: string;
  /** A planned failover waiting for replication to drain. */
  moving?: { from: string; to: string };
  replicationLagMs: number;
  regions: RegionStatus[];
  /** Conflicts waiting in the feed. */
  conflicts: number;
}

export interface ReplicationStep {
  /** Events that reached a replica. */
  applied: number;
  /** Events that lost their place and went to the conflicts feed. */
  conflicts: number;
}

interface RegionState {
  connected: boolean;
  offline: boolean;
}

/** Names a region: lower-case letters, digits and -, at most 50 (what a data directory and a URL path take). */
export const REGION_NAME = /^[a-z0-9][a-z0-9-]{0,49}$/;

const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;
const DEFAULT_BATCH = 500;

/** Per stream, the lowest sequence among these events: where removing their branch starts. */
const firstSequenceByStream = (events: readonly EventEnvelope[]): Map<string, number> => {
  const first = new Map<string, number>();
  for (const event of events) first.set(event.streamId, Math.min(first.get(event.streamId) ?? Infinity, event.sequence));
  return first;
};

export class RegionalAccount implements WriteRouting {
  readonly regions: readonly string[];
  readonly mode: WriteMode;
  readonly crossRegionLatencyMs: number;
  readonly conflicts = new SimulatedConflictFeed();
  private writeRegion_: string;
  private moving: { from: string; to: string } | undefined;
  private replicationLagMs: number;
  private readonly replicas = new Map<string, RegionReplica>();
  private readonly endpoints = new Map<string, RegionEndpoint>();
  private readonly states = new Map<string, RegionState>();
  private readonly rewriteListeners = new Set<(region: string) => void>();
  private readonly rank: CopyRanking;
  private readonly drainTimeoutMs: number;
  private readonly batchSize: number;
  private inFlight = 0;
  private pump: NodeJS.Timeout | undefined;

  constructor(options: RegionalAccountOptions) {
    const names = [...options.regions];
    if (names.length < 2) throw new Error('a regional account needs at least two regions');
    if (new Set(names).size !== names.length) throw new Error(`region names must be distinct: ${names.join(', ')}`);
    for (const name of names)
      if (!REGION_NAME.test(name)) throw new Error(`region "${name}" must be lower-case letters, digits and - (at most 50)`);
    const writeRegion = options.writeRegion ?? names[0]!;
    if (!names.includes(writeRegion)) throw new UnknownRegionError(writeRegion, names);
    this.regions = names;
    this.mode = options.mode ?? 'single-write';
    this.writeRegion_ = writeRegion;
    this.replicationLagMs = options.replicationLagMs ?? 0;
    this.crossRegionLatencyMs = options.crossRegionLatencyMs ?? 0;
    this.drainTimeoutMs = options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH;
    this.rank = firstWriterWins(names);
    for (const name of names) {
      this.replicas.set(name, new RegionReplica({ region: name, dataDir: join(options.dataDir, name) }));
      this.endpoints.set(name, new RegionEndpoint(this, name));
      this.states.set(name, { connected: true, offline: false });
    }
  }

  /** The write region; in multi-write mode every region writes and this is the first of the priority list. */
  get writeRegion(): string {
    return this.writeRegion_;
  }

  replica(region: string): RegionReplica {
    const replica = this.replicas.get(region);
    if (replica === undefined) throw new UnknownRegionError(region, this.regions);
    return replica;
  }

  /** The event store of a region's API. */
  endpoint(region: string): RegionEndpoint {
    const endpoint = this.endpoints.get(region);
    if (endpoint === undefined) throw new UnknownRegionError(region, this.regions);
    return endpoint;
  }

  /** Called with a region's name whenever events its replica had were removed: its views must be rebuilt. */
  onRewrite(listener: (region: string) => void): () => void {
    this.rewriteListeners.add(listener);
    return () => this.rewriteListeners.delete(listener);
  }

  setReplicationLag(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RegionOperationError(`replication lag must be a number of milliseconds >= 0, got ${ms}`);
    this.replicationLagMs = ms;
  }

  writeTarget(region: string): string {
    const state = this.state(region);
    if (this.mode === 'multi-write') return region;
    if (state.offline)
      throw new RegionUnavailableError(`region ${region} is offline after a forced failover; it takes requests for the log again once healed`, 5);
    if (this.moving !== undefined)
      throw new RegionUnavailableError(`the write region is moving from ${this.moving.from} to ${this.moving.to}; retry in a moment`, 1);
    const target = this.writeRegion_;
    if (target !== region && !(state.connected && this.state(target).connected))
      throw new RegionUnavailableError(`write region ${target} is unreachable from ${region}`, 1);
    return target;
  }

  async track<T>(write: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await write();
    } finally {
      this.inFlight--;
    }
  }

  /** Cuts a region off from all others: nothing replicates to or from it, and it cannot reach the write region. */
  cut(region: string): string {
    this.state(region).connected = false;
    return region;
  }

  /**
   * Reconnects a region. One that a forced failover took offline first gives up what it accepted but
   * never replicated (those events go to the conflicts feed) and then catches up as a read region.
   */
  heal(region: string): string {
    const state = this.state(region);
    state.connected = true;
    if (!state.offline) return region;
    const removed = this.resync(region, this.writeRegion_, region);
    for (const loser of removed) this.conflicts.record(loser);
    state.offline = false;
    return region;
  }

  /**
   * Moves the write region. Planned (default): refused unless every region is connected and online;
   * writes pause while replication drains, so nothing is lost. Forced: immediate; the old write region
   * goes offline until healed, and what it had not replicated is missing from the new one.
   */
  async failover(to: string, options: { force?: boolean } = {}): Promise<string> {
    if (this.mode === 'multi-write') throw new RegionOperationError('a multi-write account has no write region to move: every region takes writes');
    const target = this.state(to);
    const from = this.writeRegion_;
    if (to === from) throw new RegionOperationError(`${to} is the write region already`);
    if (target.offline) throw new RegionOperationError(`${to} is offline after a forced failover: heal it first`);
    if (this.moving !== undefined) throw new RegionOperationError(`a failover from ${this.moving.from} to ${this.moving.to} is under way`);
    return options.force ? this.forcedFailover(from, to) : this.plannedFailover(from, to);
  }

  /** One replication pass over every connected pair of regions. */
  replicateOnce(): ReplicationStep {
    const step: ReplicationStep = { applied: 0, conflicts: 0 };
    const recordedUpTo = new Date(Date.now() - this.replicationLagMs).toISOString();
    for (const to of this.regions) {
      if (!this.reachable(to)) continue;
      for (const from of this.regions) {
        if (from === to || !this.reachable(from)) continue;
        const moved = this.ship(from, to, recordedUpTo);
        step.applied += moved.applied;
        step.conflicts += moved.conflicts;
      }
    }
    return step;
  }

  /** Replicates every `intervalMs` until stopped. */
  start(intervalMs = 20): void {
    if (this.pump !== undefined) return;
    this.pump = setInterval(() => this.replicateOnce(), intervalMs);
  }

  stop(): void {
    clearInterval(this.pump);
    this.pump = undefined;
  }

  /** True when every connected region has every event the others accepted. */
  caughtUp(): boolean {
    return this.regions.every((to) => !this.reachable(to) || Object.values(this.behind(to)).every((n) => n === 0));
  }

  /** Replicates until caught up (bounded); the lag still applies, so this takes at least that long. */
  async settle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.replicateOnce();
      if (this.caughtUp()) return;
      if (Date.now() > deadline) throw new RegionOperationError(`replication did not catch up within ${timeoutMs} ms`);
      await sleep(Math.min(20, Math.max(1, this.replicationLagMs / 4)));
    }
  }

  async status(): Promise<AccountStatus> {
    const regions: RegionStatus[] = [];
    for (const name of this.regions) {
      const state = this.state(name);
      regions.push({
        name,
        role: this.mode === 'multi-write' || name === this.writeRegion_ ? 'write' : 'read',
        connected: state.connected,
        offline: state.offline,
        head: await this.replica(name).headPosition(),
        behind: this.behind(name),
      });
    }
    return {
      mode: this.mode,
      ...(this.mode === 'single-write' ? { writeRegion: this.writeRegion_ } : {}),
      ...(this.moving === undefined ? {} : { moving: { ...this.moving } }),
      replicationLagMs: this.replicationLagMs,
      regions,
      conflicts: this.conflicts.size,
    };
  }

  async close(): Promise<void> {
    this.stop();
    for (const replica of this.replicas.values()) await replica.close();
  }

  private state(region: string): RegionState {
    const state = this.states.get(region);
    if (state === undefined) throw new UnknownRegionError(region, this.regions);
    return state;
  }

  /** Takes part in replication: connected and not offline. */
  private reachable(region: string): boolean {
    const state = this.state(region);
    return state.connected && !state.offline;
  }

  private behind(to: string): Record<string, number> {
    const behind: Record<string, number> = {};
    for (const from of this.regions)
      if (from !== to) behind[from] = this.replica(from).acceptedBy(from, this.replica(to).cursor(from)).length;
    return behind;
  }

  private ship(from: string, to: string, recordedUpTo: string): ReplicationStep {
    const source = this.replica(from);
    const target = this.replica(to);
    const step: ReplicationStep = { applied: 0, conflicts: 0 };
    for (;;) {
      const shipments = source.shipments(target.cursor(from), this.batchSize, recordedUpTo);
      if (shipments.length === 0) return step;
      let deferred = false;
      const lost: LostEvent[] = [];
      const rewrote = target.transact((tx) => {
        let removed = false;
        for (const shipment of shipments) {
          const outcome = applyShipped(tx, shipment, this.rank);
          if (outcome.status === 'deferred') {
            deferred = true;
            break;
          }
          if (outcome.status === 'applied') step.applied++;
          lost.push(...outcome.lost);
          removed ||= outcome.rewrote;
          tx.setCursor(from, shipment.originPosition);
        }
        return removed;
      });
      for (const { loser } of lost) if (this.conflicts.record(loser)) step.conflicts++;
      if (rewrote) this.announceRewrite(to);
      if (deferred || shipments.length < this.batchSize) return step;
    }
  }

  private async plannedFailover(from: string, to: string): Promise<string> {
    const partitioned = this.regions.filter((name) => !this.reachable(name));
    if (partitioned.length > 0)
      throw new RegionOperationError(
        `a planned failover needs every region connected and online (${partitioned.join(', ')} ${partitioned.length === 1 ? 'is' : 'are'} not); use a forced failover`,
      );
    this.moving = { from, to };
    try {
      const deadline = Date.now() + this.drainTimeoutMs;
      for (;;) {
        this.replicateOnce();
        if (this.inFlight === 0 && this.caughtUp()) break;
        if (Date.now() > deadline)
          throw new RegionOperationError(`replication did not drain within ${this.drainTimeoutMs} ms; ${from} stays the write region`);
        if (this.regions.some((name) => !this.reachable(name)))
          throw new RegionOperationError(`a region was cut off while replication drained; ${from} stays the write region`);
        await sleep(Math.min(20, Math.max(1, this.replicationLagMs / 4)));
      }
      this.writeRegion_ = to;
      return to;
    } finally {
      this.moving = undefined;
    }
  }

  private forcedFailover(from: string, to: string): string {
    // What the new write region had from the old one when it took over: the rest may be lost.
    this.state(from).offline = true;
    this.writeRegion_ = to;
    // Other read regions follow the new write region: writes it never got leave them now.
    for (const other of this.regions) if (other !== from && other !== to && !this.state(other).offline) this.resync(other, to, from);
    return to;
  }

  /**
   * Makes `target` hold exactly the events of `origin` that `authority` holds: the others leave it (with
   * everything above them in their streams) and the missing ones are applied. Returns those removed.
   */
  private resync(target: string, authority: string, origin: string): EventEnvelope[] {
    const source = this.replica(authority);
    const replica = this.replica(target);
    const placeOf = (e: EventEnvelope): string => `${e.streamId}\n${copyKey(e)}`;
    const there = source.acceptedBy(origin);
    const here = replica.acceptedBy(origin);
    const held = new Set(there.map(placeOf));
    const extra = here.filter((e) => !held.has(placeOf(e)));
    const present = new Set(here.map(placeOf));
    const missing = there
      .filter((e) => !present.has(placeOf(e)))
      .sort((a, b) => (a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : a.sequence - b.sequence));
    const removed = replica.transact((tx) => {
      const gone: EventEnvelope[] = [];
      for (const [streamId, sequence] of firstSequenceByStream(extra)) gone.push(...tx.removeFrom(streamId, sequence));
      for (const { position: _position, ...event } of missing) {
        const previous = event.sequence > 1 ? source.eventAt(event.streamId, event.sequence - 1) : undefined;
        applyShipped(tx, { event, originPosition: 0, ...(previous === undefined ? {} : { previous: copyKey(previous) }) }, this.rank);
      }
      // It now has what the authority had of the origin's events, so it continues from there.
      if (target !== origin) tx.setCursor(origin, source.cursor(origin));
      return gone;
    });
    if (removed.length > 0) this.announceRewrite(target);
    return removed;
  }

  private announceRewrite(region: string): void {
    for (const listener of this.rewriteListeners) listener(region);
  }
}
