import { z } from 'zod';

// These shapes are the storage and wire format of the log: version them with care.

export const MAX_EVENTS_PER_APPEND = 100;

export const AggregateType = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must start with a letter and contain only letters, digits and _ (at most 64)');

export const AggregateId = z
  .string()
  .regex(/^[A-Za-z0-9_.:@-]{1,128}$/, 'must be 1-128 characters of letters, digits and _.:@-');

export const EventType = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.]{0,127}$/, 'must start with a letter and contain only letters, digits, _ and . (at most 128)');

export const JsonObject = z.record(z.string(), z.unknown());
export type JsonObject = z.infer<typeof JsonObject>;

export const EventMetadata = z
  .object({
    correlationId: z.string().optional(),
    causationId: z.string().optional(),
    idempotencyKey: z.string().optional(),
  })
  .catchall(z.unknown());
export type EventMetadata = z.infer<typeof EventMetadata>;

export const ExpectedVersion = z.union(
  [z.number().int().min(0), z.literal('any'), z.literal('no_stream'), z.literal('exists')],
  { error: 'must be an integer >= 0 (a JSON number, not a string) or one of "any", "no_stream", "exists"' },
);
export type ExpectedVersion = z.infer<typeof ExpectedVersion>;

/** An event as a client proposes it. */
export const NewEvent = z.strictObject({
  type: EventType,
  data: JsonObject,
  metadata: EventMetadata.optional(),
  id: z.uuid().optional(),
  schemaVersion: z.number().int().min(1).optional(),
});
export type NewEvent = z.infer<typeof NewEvent>;

/** An event as stored and returned: the Cosmos item and the SQLite row carry exactly these fields. */
export const EventEnvelope = z.object({
  id: z.string(),
  streamId: z.string(),
  aggregateType: AggregateType,
  aggregateId: AggregateId,
  sequence: z.number().int().min(1),
  type: EventType,
  schemaVersion: z.number().int().min(1),
  data: JsonObject,
  metadata: EventMetadata,
  recordedAt: z.iso.datetime(),
  region: z.string(),
});
export type EventEnvelope = z.infer<typeof EventEnvelope>;

export interface StreamRef {
  aggregateType: string;
  aggregateId: string;
}

export const streamIdOf = (stream: StreamRef): string => `${stream.aggregateType}-${stream.aggregateId}`;

/** Splits a streamId at its first `-`; aggregate types cannot contain one. */
export const parseStreamId = (streamId: string): StreamRef | undefined => {
  const dash = streamId.indexOf('-');
  if (dash <= 0) return undefined;
  const stream = { aggregateType: streamId.slice(0, dash), aggregateId: streamId.slice(dash + 1) };
  return AggregateType.safeParse(stream.aggregateType).success && AggregateId.safeParse(stream.aggregateId).success
    ? stream
    : undefined;
};
