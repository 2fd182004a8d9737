import { ValidationError, type ReadEventMetadataWithoutGlobalPosition } from '@event-driven-io/emmett';
import { z } from 'zod';
import { EventMetadata, EventType, JsonObject, MAX_EVENTS_PER_APPEND, type EventEnvelope, type FeedEvent, type NewEvent } from '../core/index.ts';

/** What a read event's metadata carries besides the event's own metadata (these keys win over same-named ones). */
export type EventLogReadEventMetadata = ReadEventMetadataWithoutGlobalPosition & {
  /** The event id (also Emmett's `messageId`). */
  eventId: string;
  /** The log's stream id, `{aggregateType}-{aggregateId}`; `streamName` is the Emmett name it was read by. */
  streamId: string;
  schemaVersion: number;
  recordedAt: string;
  region: string;
};

/** An Emmett event as the log accepts it: the envelope's own rules for type, data and metadata. */
const EmmettEvent = z.strictObject({
  type: EventType,
  data: JsonObject,
  metadata: EventMetadata.optional(),
  kind: z.literal('Event').optional(),
});

const EmmettEvents = z
  .array(EmmettEvent)
  .min(1, 'at least one event is required')
  .max(MAX_EVENTS_PER_APPEND, `at most ${MAX_EVENTS_PER_APPEND} events per append (an append is atomic, so it is not split)`);

/** The event as JSON gives it back (a nested Date becomes its ISO string), so every backend stores the same thing. */
const asJson = (event: NewEvent, index: number): NewEvent | string => {
  try {
    return JSON.parse(JSON.stringify(event)) as NewEvent;
  } catch (error) {
    return `events.${index}: ${(error as Error).message}`;
  }
};

/** Validates Emmett events and returns them as new events of the log, or throws one ValidationError naming every problem. */
export const toNewEvents = (events: unknown): NewEvent[] => {
  const parsed = EmmettEvents.safeParse(events);
  if (!parsed.success)
    throw new ValidationError(
      `Events cannot be appended: ${parsed.error.issues.map((i) => `${['events', ...i.path.map(String)].join('.')}: ${i.message}`).join('; ')}`,
    );
  const newEvents = parsed.data.map(({ type, data, metadata }, index) => asJson(metadata === undefined ? { type, data } : { type, data, metadata }, index));
  const unserializable = newEvents.filter((event) => typeof event === 'string');
  if (unserializable.length > 0) throw new ValidationError(`Events cannot be appended: they must be JSON: ${unserializable.join('; ')}`);
  return newEvents as NewEvent[];
};

/** A feed event's metadata: Emmett's global position where the store has one (the embedded log), and the feed cursor to resume after it. */
export type EventLogFeedReadEventMetadata = EventLogReadEventMetadata & {
  /** The event's position in the embedded log; absent on Cosmos DB, whose change feed has no order across streams. */
  globalPosition?: bigint;
  /** Pass as `after` to resume the feed behind this event (opaque, per region). */
  feedCursor: string;
};

export interface EmmettReadEvent {
  type: string;
  data: Record<string, unknown>;
  kind: 'Event';
  metadata: EventLogReadEventMetadata & Record<string, unknown>;
}

/** A stored event as Emmett reads it: the event's metadata plus the read metadata. */
export const toReadEvent = (event: EventEnvelope, streamName: string): EmmettReadEvent => ({
  type: event.type,
  data: event.data,
  kind: 'Event',
  metadata: {
    ...event.metadata,
    messageId: event.id,
    eventId: event.id,
    streamName,
    streamId: event.streamId,
    streamPosition: BigInt(event.sequence),
    schemaVersion: event.schemaVersion,
    recordedAt: event.recordedAt,
    region: event.region,
  },
});

/** A feed event as Emmett reads it: with `globalPosition`, which Emmett's processors take as their checkpoint where it is present. */
export const toFeedReadEvent = (event: FeedEvent, cursor: string, streamName: string): EmmettReadEvent & { metadata: EventLogFeedReadEventMetadata } => {
  const read = toReadEvent(event, streamName);
  return { ...read, metadata: { ...read.metadata, ...(event.position === undefined ? {} : { globalPosition: BigInt(event.position) }), feedCursor: cursor } };
};
