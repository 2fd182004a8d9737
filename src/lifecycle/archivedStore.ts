import {
  DuplicateEventIdError,
  isClosingEvent,
  readLastEvent,
  StoreUnavailableError,
  StreamDeletedError,
  streamIdOf,
  type AppendRequest,
  type AppendResult,
  type ArchivableEventStore,
  type ArchiveRecord,
  type ColdStorage,
  type EventEnvelope,
  type ReadStreamOptions,
  type StreamInfo,
  type StreamRef,
  type StreamSlice,
} from '../core/index.ts';
import { ColdReads } from './coldReads.ts';

/** Reads that found the archive moved on between reading its record and the hot events try again this often. */
const STALE_RECORD_ATTEMPTS = 5;

class StaleRecord extends Error {}

const isGone = (record: ArchiveRecord | undefined): boolean => record?.state === 'purging' || record?.state === 'deleted';

/**
 * The same store, with archived events read back transparently: a stream's events up to its record's
 * `archivedVersion` come from cold storage, the rest from the hot store, and the slice says where the
 * line is (`archivedVersion`). Appends go to the hot store, which keeps the event at `archivedVersion`
 * (the anchor) and so decides versions exactly as before. Every other member passes through.
 *
 * A reader and an archiver may run at once: the record is read first, then the hot events after it. If
 * the archiver removed some of those meanwhile, the hot page has a gap where they were (sequences are
 * contiguous), and the read starts again with the new record: no event is missed, none is read twice.
 */
export const withArchivedReads = <S extends ArchivableEventStore>(store: S, cold: ColdStorage): S => {
  const coldReads = new ColdReads(cold);

  const recordOf = async (stream: StreamRef): Promise<ArchiveRecord | undefined> => (await store.readArchiveRecord(stream))?.record;

  const attempt = async (stream: StreamRef, options: ReadStreamOptions): Promise<StreamSlice | undefined> => {
    const record = await recordOf(stream);
    if (isGone(record)) throw new StreamDeletedError(streamIdOf(stream), record!.archivedVersion);
    const archived = record?.archivedVersion ?? 0;
    const toVersion = options.toVersion ?? Number.MAX_SAFE_INTEGER;
    const hotFrom = Math.max(options.fromVersion, archived + 1);
    const hot = await store.readStream(stream, { ...options, fromVersion: hotFrom });
    const hotEvents = hot?.events ?? [];
    // The first hot event must be the one right after the archive's line (or where the read starts); if it
    // is not and the record has moved on, the archiver removed events between the two reads.
    if (hot !== undefined && hotFrom <= Math.min(toVersion, hot.version) && hotEvents[0]?.sequence !== hotFrom) {
      const now = await recordOf(stream);
      if ((now?.archivedVersion ?? 0) !== archived || isGone(now)) throw new StaleRecord();
    }
    if (archived === 0 || options.fromVersion > archived) return hot;

    const coldEvents = options.fromVersion <= archived ? await coldReads.events(record!, options.fromVersion, Math.min(toVersion, archived)) : [];
    const visible = (e: EventEnvelope): boolean => options.asOf === undefined || e.recordedAt <= options.asOf;
    let version = hot?.version ?? 0;
    if (version === 0) {
      // Nothing hot as of then: the version as of `asOf` is the last archived event recorded by then.
      const all = options.asOf === undefined ? [] : (await coldReads.events(record!, 1, archived)).filter(visible);
      version = options.asOf === undefined ? archived : (all[all.length - 1]?.sequence ?? 0);
    }
    if (version === 0) return undefined;
    const events = [...coldEvents.filter(visible), ...hotEvents.filter((e) => e.sequence > archived)].slice(0, options.limit);
    return { version, events, archivedVersion: archived };
  };

  /**
   * The hot store alone answers a page that starts where it was asked to and has no gap: nothing in it
   * can have come from the archive. Streams never archived are read so, at no extra cost.
   */
  const servedHot = (slice: StreamSlice | undefined, options: ReadStreamOptions): boolean => {
    if (slice === undefined) return false;
    if (slice.events.length === 0) return options.fromVersion > slice.version || (options.toVersion ?? Number.MAX_SAFE_INTEGER) < options.fromVersion;
    return slice.events.every((event, index) => event.sequence === options.fromVersion + index);
  };

  const readStream = async (stream: StreamRef, options: ReadStreamOptions): Promise<StreamSlice | undefined> => {
    const hot = await store.readStream(stream, options);
    if (servedHot(hot, options)) return hot;
    for (let tries = 1; ; tries++) {
      try {
        return await attempt(stream, options);
      } catch (error) {
        if (!(error instanceof StaleRecord)) throw error;
        if (tries >= STALE_RECORD_ATTEMPTS)
          throw new StoreUnavailableError(`stream ${streamIdOf(stream)} is being archived; read it again`, 1);
      }
    }
  };

  const getStreamInfo = async (stream: StreamRef): Promise<StreamInfo | undefined> => {
    const record = await recordOf(stream);
    if (isGone(record)) throw new StreamDeletedError(streamIdOf(stream), record!.archivedVersion);
    const archived = record?.archivedVersion ?? 0;
    const tip = await readLastEvent(store, stream, archived);
    if (tip === undefined || tip.event === undefined) return archived === 0 ? undefined : await store.getStreamInfo(stream);
    const createdAt = record?.segments[0]?.firstRecordedAt ?? (await store.getStreamInfo(stream))?.createdAt ?? tip.event.recordedAt;
    return {
      streamId: streamIdOf(stream),
      aggregateType: stream.aggregateType,
      aggregateId: stream.aggregateId,
      version: tip.version,
      createdAt,
      updatedAt: tip.event.recordedAt,
      ...(archived > 0 ? { archivedVersion: archived } : {}),
      ...(isClosingEvent(tip.event.type) ? { closed: true } : {}),
    };
  };

  const readEventsById = async (stream: StreamRef, ids: string[]): Promise<EventEnvelope[]> => {
    const hot = await store.readEventsById(stream, ids);
    if (hot.length === ids.length) return hot;
    const record = await recordOf(stream);
    if (record === undefined || record.archivedVersion === 0) return hot;
    const wanted = new Set(ids);
    const seen = new Set(hot.map((e) => e.id));
    const archived = (await coldReads.events(record, 1, record.archivedVersion)).filter((e) => wanted.has(e.id) && !seen.has(e.id));
    return [...archived, ...hot].sort((a, b) => a.sequence - b.sequence);
  };

  /**
   * The hot store refuses an event id it holds; ids of archived events it no longer holds are checked
   * here, for the requests whose ids can repeat: an Idempotency-Key derives the same ids each time.
   */
  const append = async (request: AppendRequest): Promise<AppendResult> => {
    if (request.events.some((e) => e.metadata.idempotencyKey !== undefined)) {
      const record = await recordOf(request.stream);
      if (record !== undefined && record.archivedVersion > 0) {
        const ids = new Set(request.events.map((e) => e.id));
        const taken = (await coldReads.events(record, 1, record.archivedVersion)).filter((e) => ids.has(e.id));
        if (taken.length > 0) throw new DuplicateEventIdError(streamIdOf(request.stream), taken.map((e) => e.id));
      }
    }
    return store.append(request);
  };

  const wrapped: Record<string, unknown> = { readStream, getStreamInfo, readEventsById, append };
  return new Proxy(store, {
    get(target, property) {
      if (typeof property === 'string' && property in wrapped) return wrapped[property];
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
};

