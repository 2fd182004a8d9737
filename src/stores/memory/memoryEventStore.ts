import { randomUUID } from 'node:crypto';
import {
  ArchiveRecord,
  assertExpectedVersion,
  DuplicateEventIdError,
  refusesAppend,
  StreamClosedError,
  StoreUnavailableError,
  streamIdOf,
  type AppendRequest,
  type AppendResult,
  type ArchiveRecordCondition,
  type StoredArchiveRecord,
  type StreamArchiveStore,
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
export class MemoryEventStore implements EventStore, GlobalLog, StreamArchiveStore {
  readonly kind = 'memory';
  /** Each stream's events this store holds, in sequence order (archived ones are removed, the last one stays). */
  private readonly streams = new Map<string, PositionedEvent[]>();
  /** The log by position - 1; a removed event leaves a hole, so positions never move. */
  private readonly log: Array<PositionedEvent | undefined> = [];
  private readonly archives = new Map<string, StoredArchiveRecord>();
  private closed = false;

  async append(request: AppendRequest): Promise<AppendResult> {
    this.assertOpen();
    const streamId = streamIdOf(request.stream);
    const stream = this.streams.get(streamId) ?? [];
    const last = stream[stream.length - 1];
    const version = last?.sequence ?? 0;
    if (refusesAppend(last?.type, request.events[0]?.type)) throw new StreamClosedError(streamId, version);
    assertExpectedVersion(streamId, request.expectedVersion, version);
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
        sequence: version + index + 1,
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
    const lastSequence = version + stored.length;
    return {
      streamId,
      aggregateType: request.stream.aggregateType,
      aggregateId: request.stream.aggregateId,
      firstSequence: version + 1,
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
    return { version: visible[visible.length - 1]!.sequence, events };
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
      version: events[events.length - 1]!.sequence,
      createdAt: events[0]!.recordedAt,
      updatedAt: events[events.length - 1]!.recordedAt,
    };
  }

  async readAll(afterPosition: number, limit: number): Promise<PositionedEvent[]> {
    this.assertOpen();
    const page: PositionedEvent[] = [];
    for (let index = afterPosition; index < this.log.length && page.length < limit; index++) {
      const event = this.log[index];
      if (event !== undefined) page.push(structuredClone(event));
    }
    return page;
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    return this.log.length;
  }

  async positionOf(streamId: string, sequence: number): Promise<number | undefined> {
    this.assertOpen();
    // As SQLite's: the first event held at or after the sequence (for an archived one, the later anchor).
    return this.streams.get(streamId)?.find((e) => e.sequence >= sequence)?.position;
  }

  async readArchiveRecord(stream: StreamRef): Promise<StoredArchiveRecord | undefined> {
    this.assertOpen();
    return structuredClone(this.archives.get(streamIdOf(stream)));
  }

  async writeArchiveRecord(record: ArchiveRecord, condition: ArchiveRecordCondition): Promise<string | undefined> {
    this.assertOpen();
    const current = this.archives.get(record.streamId);
    if ('absent' in condition ? current !== undefined : current?.etag !== condition.etag) return undefined;
    const etag = randomUUID();
    this.archives.set(record.streamId, { record: ArchiveRecord.parse(structuredClone(record)), etag });
    return etag;
  }

  async removeEventsBelow(stream: StreamRef, sequence: number): Promise<void> {
    this.assertOpen();
    const streamId = streamIdOf(stream);
    const events = this.streams.get(streamId) ?? [];
    for (const event of events) if (event.sequence < sequence) this.log[event.position - 1] = undefined;
    this.streams.set(streamId, events.filter((e) => e.sequence >= sequence));
  }

  async listArchiveRecords(afterStreamId: string | undefined, limit: number): Promise<ArchiveRecord[]> {
    this.assertOpen();
    return [...this.archives.keys()]
      .filter((id) => afterStreamId === undefined || id > afterStreamId)
      .sort()
      .slice(0, limit)
      .map((id) => structuredClone(this.archives.get(id)!.record));
  }

  async listIdleStreams(aggregateType: string, before: string, afterStreamId: string | undefined, limit: number): Promise<StreamRef[]> {
    this.assertOpen();
    return [...this.streams.entries()]
      .filter(([id, events]) => {
        const last = events[events.length - 1];
        return (
          last !== undefined &&
          last.aggregateType === aggregateType &&
          (afterStreamId === undefined || id > afterStreamId) &&
          last.recordedAt < before &&
          last.sequence > (this.archives.get(id)?.record.archivedVersion ?? 0)
        );
      })
      .map(([id]) => id)
      .sort()
      .slice(0, limit)
      .map((id) => {
        const { aggregateType: type, aggregateId } = this.streams.get(id)![0]!;
        return { aggregateType: type, aggregateId };
      });
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
