import {
  sleep,
  type AppendRequest,
  type AppendResult,
  type EventEnvelope,
  type EventStore,
  type GlobalLog,
  type PositionedEvent,
  type ReadStreamOptions,
  type StreamInfo,
  type StreamRef,
  type StreamSlice,
} from '../core/index.ts';
import type { RegionReplica } from './replica.ts';

/** What a region's endpoint asks of its account: where writes go now, and the replicas. */
export interface WriteRouting {
  replica(region: string): RegionReplica;
  /** The region that takes writes sent from `region`; throws RegionUnavailableError when none can. */
  writeTarget(region: string): string;
  /** Latency of one request from a region to another. */
  readonly crossRegionLatencyMs: number;
  /** Runs a routed write, counted so a planned failover can wait for those in flight. */
  track<T>(write: () => Promise<T>): Promise<T>;
}

/**
 * The event store a region's API sees, as the Cosmos DB SDK in that region's Function App would:
 * writes go to the account's write region (the local one in multi-write mode) and pay the round trip
 * when it is elsewhere; reads are served by the local replica, so they may lag. Reading events back by
 * id, which an append does to settle an unknown or conflicting outcome, goes where the write went.
 */
export class RegionEndpoint implements EventStore, GlobalLog {
  readonly region: string;
  private readonly routing: WriteRouting;

  constructor(routing: WriteRouting, region: string) {
    this.routing = routing;
    this.region = region;
  }

  get kind(): string {
    return this.local.kind;
  }

  private get local(): RegionReplica {
    return this.routing.replica(this.region);
  }

  /** The write region's replica, after the round trip to it. */
  private async writeReplica(): Promise<RegionReplica> {
    const target = this.routing.writeTarget(this.region);
    if (target !== this.region && this.routing.crossRegionLatencyMs > 0) await sleep(this.routing.crossRegionLatencyMs);
    return this.routing.replica(target);
  }

  append(request: AppendRequest): Promise<AppendResult> {
    return this.routing.track(async () => {
      const replica = await this.writeReplica();
      // The region that accepted the write is the one stamped on its events.
      return replica.append({ ...request, region: replica.region });
    });
  }

  async readEventsById(stream: StreamRef, ids: string[]): Promise<EventEnvelope[]> {
    return (await this.writeReplica()).readEventsById(stream, ids);
  }

  readStream(stream: StreamRef, options: ReadStreamOptions): Promise<StreamSlice | undefined> {
    return this.local.readStream(stream, options);
  }

  getStreamInfo(stream: StreamRef): Promise<StreamInfo | undefined> {
    return this.local.getStreamInfo(stream);
  }

  /** The region's change feed is its own replica's log. */
  readAll(afterPosition: number, limit: number): Promise<PositionedEvent[]> {
    return this.local.readAll(afterPosition, limit);
  }

  headPosition(): Promise<number> {
    return this.local.headPosition();
  }

  positionOf(streamId: string, sequence: number): Promise<number | undefined> {
    return this.local.positionOf(streamId, sequence);
  }

  /** A forced failover rolls a region's copy of a stream back and writes other events in its place. */
  readonly replacesEvents = true;

  ping(): Promise<void> {
    return this.local.ping();
  }

  /** The account owns the replicas and closes them. */
  async close(): Promise<void> {}
}
