import {
  assertExpectedVersion,
  DuplicateEventIdError,
  StoreUnavailableError,
  streamIdOf,
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
} from '../../core/index.ts';

/** The log in process memory: for unit tests and throwaway runs. Nothing survives the process. */
export class MemoryEventStore implements EventStore, GlobalLog {
  readonly kind = 'memory';
  private readonly streams = new Map<string, PositionedEvent[]>();
  private readonly log: PositionedEvent[] = [];
  private closed = false;

  async append(request: AppendRequest): Promise<AppendResult> {
    this.assertOpen();
    const streamId = streamIdOf(request.stream);
    const stream = this.streams.get(streamId) ?? [];
    assertExpectedVersion(streamId, request.expectedVersion, stream.length);
    const taken = new Set(stream.map((e) => e.id));
    const duplicates = request.events.map((e) => e.id).filter((id, i, ids) => taken.has(id) || ids.indexOf(id) !== i);
    if (duplicates.length > 0) throw new DuplicateEventIdError(streamId, duplicates);

    const recordedAt = new Date().toISOString();
    const stored = request.events.map(
      (event, index): PositionedEvent => ({
        id: event.id,
        streamId,
        aggregateType: request.stream.aggregateType,
        aggregateId: request.stream.aggregateId,
        sequence: stream.length + index + 1,
        type: event.type,
        schemaVersion: event.schemaVersion,
        data: structuredClone(event.data),
        metadata: structuredClone(event.metadata),
        recordedAt,
        region: request.region,
        position: this.log.length + index + 1,
      }),
    );
    this.streams.set(streamId, [...stream, ...stored]);
    this.log.push(...stored);
    const lastSequence = stream.length + stored.length;
    return {
      streamId,
      aggregateType: request.stream.aggregateType,
      aggregateId: request.stream.aggregateId,
      firstSequence: stream.length + 1,
      lastSequence,
      version: lastSequence,
      eventIds: stored.map((e) => e.id),
      recordedAt,
    };
  }

  async readStream(stream: StreamRef, options: ReadStreamOptions): Promise<StreamSlice | undefined> {
    this.assertOpen();
    const visible = (this.streams.get(streamIdOf(stream)) ?? []).filter(
      (e) => options.asOf === undefined || e.recordedAt <= options.asOf,
    );
    if (visible.length === 0) return undefined;
    const toVersion = options.toVersion ?? Number.MAX_SAFE_INTEGER;
    const events = visible
      .filter((e) => e.sequence >= options.fromVersion && e.sequence <= toVersion)
      .slice(0, options.limit)
      .map(withoutPosition);
    return { version: visible.length, events };
  }

  async readEventsById(stream: StreamRef, ids: string[]): Promise<EventEnvelope[]> {
    this.assertOpen();
    const wanted = new Set(ids);
    return (this.streams.get(streamIdOf(stream)) ?? []).filter((e) => wanted.has(e.id)).map(withoutPosition);
  }

  async getStreamInfo(stream: StreamRef): Promise<StreamInfo | undefined> {
    this.assertOpen();
    const events = this.streams.get(streamIdOf(stream));
    if (events === undefined || events.length === 0) return undefined;
    return {
      streamId: streamIdOf(stream),
      aggregateType: stream.aggregateType,
      aggregateId: stream.aggregateId,
      version: events.length,
      createdAt: events[0]!.recordedAt,
      updatedAt: events[events.length - 1]!.recordedAt,
    };
  }

  async readAll(afterPosition: number, limit: number): Promise<PositionedEvent[]> {
    this.assertOpen();
    return this.log.slice(afterPosition, afterPosition + limit).map((e) => structuredClone(e));
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    return this.log.length;
  }

  async positionOf(streamId: string, sequence: number): Promise<number | undefined> {
    this.assertOpen();
    return this.log.find((e) => e.streamId === streamId && e.sequence === sequence)?.position;
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('memory store is closed');
  }
}

const withoutPosition = ({ position: _position, ...event }: PositionedEvent): EventEnvelope => structuredClone(event);
