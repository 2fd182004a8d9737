import { z } from 'zod';

// These shapes are the storage and wire format of the log: version them with care.

export const MAX_EVENTS_PER_APPEND = 100;

/** The spelling of an aggregate type and of an aggregate id, for patterns that hold them (a stream id, a policy). */
export const AGGREGATE_TYPE_PATTERN = '[A-Za-z][A-Za-z0-9_]{0,63}';
const AGGREGATE_ID_PATTERN = '[A-Za-z0-9_.:@-]{1,128}';

export const AggregateType = z
  .string()
  .regex(new RegExp(`^${AGGREGATE_TYPE_PATTERN}$`), 'must start with a letter and contain only letters, digits and _ (at most 64)');

export const AggregateId = z.string().regex(new RegExp(`^${AGGREGATE_ID_PATTERN}$`), 'must be 1-128 characters of letters, digits and _.:@-');

/** `{aggregateType}-{aggregateId}`. */
export const StreamId = z
  .string()
  .regex(new RegExp(`^${AGGREGATE_TYPE_PATTERN}-${AGGREGATE_ID_PATTERN}$`), 'must be a stream id, {aggregateType}-{aggregateId}');

export const EventType = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.]{0,127}$/, 'must start with a letter and contain only letters, digits, _ and . (at most 128)');

/**
 * Validates like `shape` but hands back the value it was given, not zod's copy. zod rebuilds every
 * object it parses and leaves out own `__proto__` keys (assigning one would set a prototype), so a
 * parsed `{"__proto__": {...}}` would silently lose that key; an event log must keep what it was sent.
 * `doc` is the schema's OpenAPI form, which the generator cannot derive from a custom type.
 */
const asSent = <T extends Record<string, unknown>>(shape: z.ZodType<T>, doc: Record<string, unknown>): z.ZodType<T> =>
  z
    .custom<T>()
    .superRefine((value, ctx) => {
      const parsed = shape.safeParse(value);
      if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    })
    .meta(doc);

/** A JSON object as sent: every own key kept, `__proto__`, `constructor` and `prototype` included. */
export const JsonObject = asSent(z.record(z.string(), z.unknown()), { type: 'object', additionalProperties: {} });
export type JsonObject = Record<string, unknown>;

const KnownMetadata = {
  correlationId: z.string().optional(),
  causationId: z.string().optional(),
  idempotencyKey: z.string().optional(),
};
type EventMetadataShape = { correlationId?: string; causationId?: string; idempotencyKey?: string; [key: string]: unknown };

/** Metadata as sent: the product's own fields are checked, free keys (any name) kept. */
export const EventMetadata = asSent<EventMetadataShape>(z.object(KnownMetadata).catchall(z.unknown()), {
  type: 'object',
  properties: { correlationId: { type: 'string' }, causationId: { type: 'string' }, idempotencyKey: { type: 'string' } },
  additionalProperties: {},
});
export type EventMetadata = EventMetadataShape;

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
