import {
  downcastRecordedMessage,
  upcastRecordedMessage,
  ValidationError as EmmettValidationError,
  type AggregateStreamOptions,
  type AggregateStreamResult,
  type AppendToStreamOptions,
  type AppendToStreamResult,
  type Event,
  type EventStore,
  type ReadEvent,
  type ReadStreamOptions,
  type ReadStreamResult,
} from '@event-driven-io/emmett';
import { createEventLogClient, type EventLogClient, type EventLogClientOptions } from '../client/index.ts';
import { ConcurrencyError, satisfiesExpectedVersion, streamIdOf, ValidationError, type EventEnvelope, type EventStore as LogEventStore, type StreamRef } from '../core/index.ts';
import type { LogBackend } from './backend.ts';
import { toFeedReadEvent, toNewEvents, toReadEvent, type EventLogFeedReadEventMetadata, type EventLogReadEventMetadata } from './events.ts';
import { httpBackend } from './httpBackend.ts';
import { inProcessBackend } from './inProcessBackend.ts';
import { streamNameMapping } from './streamNames.ts';
import { toCount, toExpectedVersion, toStreamPosition, versionConflict } from './versions.ts';

export type { EventLogFeedReadEventMetadata, EventLogReadEventMetadata } from './events.ts';

export interface EventLogFeedOptions {
  /** Only events of this aggregate type (default: the store's `aggregateType` option, when set). */
  category?: string;
  /** Only events of this stream (an Emmett stream name, mapped as for reads). */
  streamName?: string;
  /** A `feedCursor` the feed gave, or `now`; absent: from the beginning of the log. */
  after?: string;
  signal?: AbortSignal;
}

export type EventLogAppendResult = AppendToStreamResult & {
  /** Read-your-writes token of this append, for `GET /api/views/{view}/{key}?atLeast=`. */
  consistencyToken: string;
};

/** Emmett's EventStore over the event log; appends also return the log's consistency token. */
export interface EventLogEventStore extends EventStore<EventLogReadEventMetadata> {
  appendToStream<EventType extends Event, EventPayloadType extends Event = EventType>(
    streamName: string,
    events: EventType[],
    options?: AppendToStreamOptions<bigint, EventType, EventPayloadType>,
  ): Promise<EventLogAppendResult>;
  /**
   * The log's feed as Emmett read events, endless (end it with `signal` or by leaving the loop). Where
   * the store has one order for every stream (the embedded log), each event carries it as Emmett's
   * `globalPosition`, which Emmett's processors use as their checkpoint; on Cosmos DB order is per
   * stream only and there is none. `feedCursor` resumes the feed behind an event in every store.
   */
  feed<EventType extends Event = Event>(options?: EventLogFeedOptions): AsyncIterable<ReadEvent<EventType, EventLogFeedReadEventMetadata>>;
}

interface CommonOptions {
  /** When set, every stream name `n` is the stream `{aggregateType}-{n}`; otherwise names must be `{aggregateType}-{aggregateId}`. */
  aggregateType?: string;
}

/** Over the HTTP API of a local host or a deployed Function App. */
export type HttpEventStoreOptions = CommonOptions & EventLogClientOptions;

/** Over a client you built yourself. */
export type ClientEventStoreOptions = CommonOptions & { client: EventLogClient };

/** In this process, over any adapter of the log's EventStore port (memory, SQLite, Cosmos DB). */
export type InProcessEventStoreOptions = CommonOptions & {
  store: LogEventStore;
  /** Region stamped on appended events (default `local`, as the hosts' REGION default). */
  region?: string;
};

export type EventLogEventStoreOptions = HttpEventStoreOptions | ClientEventStoreOptions | InProcessEventStoreOptions;

const backendOf = (options: EventLogEventStoreOptions): LogBackend => {
  if ('store' in options) return inProcessBackend(options.store, options.region ?? 'local');
  if ('client' in options) return httpBackend(options.client);
  return httpBackend(createEventLogClient(options));
};

interface ReadRange {
  fromVersion: number;
  /** Inclusive; undefined reads to the end. */
  toVersion?: number;
}

/** Emmett's from/to/maxCount as an inclusive range of sequences: `from` 0 or absent is the start, `maxCount` caps the count. */
const toReadRange = (options: Pick<ReadStreamOptions, 'from' | 'to' | 'maxCount'> | undefined): ReadRange => {
  const fromVersion = Math.max(1, options?.from === undefined ? 1 : toCount(options.from, 'read option from'));
  let toVersion = options?.to === undefined ? undefined : toCount(options.to, 'read option to');
  if (options?.maxCount !== undefined) {
    const maxCount = toCount(options.maxCount, 'read option maxCount');
    if (maxCount < 1) throw new EmmettValidationError('read option maxCount must be at least 1');
    toVersion = Math.min(toVersion ?? Infinity, fromVersion + maxCount - 1);
  }
  return { fromVersion, toVersion };
};

/** The kernel's refusals as Emmett's errors, so CommandHandler retries conflicts and reports bad input as such. */
const asEmmettError = (error: unknown, expected: unknown): unknown => {
  if (error instanceof ConcurrencyError) return versionConflict(expected, error.currentVersion, error);
  if (error instanceof ValidationError) return new EmmettValidationError(`The event log refused the request: ${error.message}`);
  return error;
};

/**
 * An Emmett EventStore on the event log. In-process with `{ store }`, over HTTP with `{ url, apiKey? }`
 * (or `{ client }`). Stream names map to streams as `docs/emmett.md` describes; versions are the log's
 * sequences as bigints; conflicts throw Emmett's ExpectedVersionConflictError.
 */
export const getEventLogEventStore = (options: EventLogEventStoreOptions): EventLogEventStore => {
  const toStream = streamNameMapping(options.aggregateType);
  const backend = backendOf(options);

  const readEnvelopes = async (stream: StreamRef, range: ReadRange): Promise<{ version: number; events: EventEnvelope[] }> => {
    if (range.toVersion !== undefined && range.toVersion < range.fromVersion) return { version: await backend.version(stream), events: [] };
    let version = 0;
    const events: EventEnvelope[] = [];
    for await (const page of backend.read(stream, range)) {
      version = page.version;
      events.push(...page.events);
    }
    return { version, events };
  };

  const readStream = async <EventType extends Event, EventPayloadType extends Event = EventType>(
    streamName: string,
    readOptions?: ReadStreamOptions<bigint, EventType, EventPayloadType>,
  ): Promise<ReadStreamResult<EventType, EventLogReadEventMetadata>> => {
    const stream = toStream(streamName);
    const range = toReadRange(readOptions);
    const expected = readOptions?.expectedStreamVersion;
    const expectedVersion = toExpectedVersion(expected);
    const { version, events } = await readEnvelopes(stream, range);
    if (!satisfiesExpectedVersion(expectedVersion, version)) throw versionConflict(expected, version);

    const last = events[events.length - 1];
    // The last event read, not a version read beside it: a caller deciding on these events must append after exactly them.
    const currentVersion = last?.sequence ?? Math.min(version, range.toVersion ?? Infinity);
    const upcast = readOptions?.schema?.versioning;
    return {
      currentStreamVersion: toStreamPosition(currentVersion),
      events: events.map(
        (event) => upcastRecordedMessage(toReadEvent(event, streamName) as never, upcast) as ReadEvent<EventType, EventLogReadEventMetadata>,
      ),
      streamExists: version > 0,
    };
  };

  /** The Emmett name of a stream the feed delivers: the aggregate id under the `aggregateType` option, else the stream id. */
  const nameOf = (event: EventEnvelope): string => (options.aggregateType === event.aggregateType ? event.aggregateId : event.streamId);

  return {
    readStream,

    async *feed<EventType extends Event = Event>(feedOptions: EventLogFeedOptions = {}) {
      const category = feedOptions.category ?? (feedOptions.streamName === undefined ? options.aggregateType : undefined);
      const filter = {
        ...(category === undefined ? {} : { category }),
        ...(feedOptions.streamName === undefined ? {} : { streamId: streamIdOf(toStream(feedOptions.streamName)) }),
      };
      for await (const { event, cursor } of backend.feed(filter, feedOptions.after, feedOptions.signal))
        yield toFeedReadEvent(event, cursor, nameOf(event)) as ReadEvent<EventType, EventLogFeedReadEventMetadata>;
    },

    async aggregateStream<State, EventType extends Event, EventPayloadType extends Event = EventType>(
      streamName: string,
      aggregateOptions: AggregateStreamOptions<State, EventType, EventLogReadEventMetadata, EventPayloadType>,
    ): Promise<AggregateStreamResult<State, bigint>> {
      const { evolve, initialState, read } = aggregateOptions;
      const result = await readStream<EventType, EventPayloadType>(streamName, read);
      const fold = evolve as (state: State, event: ReadEvent<EventType, EventLogReadEventMetadata>) => State;
      return {
        currentStreamVersion: result.currentStreamVersion,
        state: result.events.reduce(fold, initialState()),
        streamExists: result.streamExists,
      };
    },

    async appendToStream<EventType extends Event, EventPayloadType extends Event = EventType>(
      streamName: string,
      events: EventType[],
      appendOptions?: AppendToStreamOptions<bigint, EventType, EventPayloadType>,
    ): Promise<EventLogAppendResult> {
      const stream = toStream(streamName);
      const expected = appendOptions?.expectedStreamVersion;
      const expectedVersion = toExpectedVersion(expected);
      const downcast = appendOptions?.schema?.versioning;
      const stored = Array.isArray(events) && downcast?.downcast !== undefined ? events.map((e) => downcastRecordedMessage(e as never, downcast as never)) : events;
      const newEvents = toNewEvents(stored);
      try {
        const appended = await backend.append(stream, newEvents, expectedVersion);
        return {
          nextExpectedStreamVersion: toStreamPosition(appended.version),
          createdNewStream: appended.firstSequence === 1,
          consistencyToken: appended.consistencyToken,
        };
      } catch (error) {
        throw asEmmettError(error, expected);
      }
    },

    async streamExists(streamName: string): Promise<boolean> {
      return (await backend.version(toStream(streamName))) > 0;
    },
  };
};
