import { z } from 'zod';
import {
  AggregateId,
  AggregateType,
  EventEnvelope,
  ExpectedVersion,
  MAX_EVENTS_PER_APPEND,
  NewEvent,
} from '../core/index.ts';

// Request and response shapes of the HTTP contract: the handlers parse with these and the
// OpenAPI document is generated from them.

export const StreamParams = z.object({ aggregateType: AggregateType, aggregateId: AggregateId });

export const AppendBody = z.strictObject({
  expectedVersion: ExpectedVersion.optional(),
  events: z.array(NewEvent).min(1, 'at least one event is required').max(MAX_EVENTS_PER_APPEND, `at most ${MAX_EVENTS_PER_APPEND} events per append`),
});
export type AppendBody = z.infer<typeof AppendBody>;

export const IdempotencyKey = z.string().min(1).max(200);
/** The header as a request may carry it (built once: a schema built per request costs more than checking with it). */
export const OptionalIdempotencyKey = IdempotencyKey.optional();

const positiveInt = (name: string) =>
  z
    .string()
    .regex(/^[0-9]+$/, `${name} must be a positive integer`)
    .transform(Number)
    .pipe(z.number().int().min(1, `${name} must be at least 1`).max(Number.MAX_SAFE_INTEGER));

export const DEFAULT_WAIT_MS = 5_000;
export const MAX_WAIT_MS = 30_000;

/**
 * Read-your-writes, on the stream and view routes alike: the consistency token of an append, and how
 * long to wait for this region to hold that write.
 */
export const ConsistencyQuery = z.object({
  atLeast: z.string().min(1, 'atLeast must not be empty').optional(),
  wait: z
    .string()
    .regex(/^[0-9]{1,6}$/, 'wait must be a whole number of milliseconds')
    .transform(Number)
    .pipe(z.number().int().max(MAX_WAIT_MS, `wait must be at most ${MAX_WAIT_MS}`))
    .optional(),
});

export const ReadQuery = ConsistencyQuery.extend({
  fromVersion: positiveInt('fromVersion').optional(),
  toVersion: positiveInt('toVersion').optional(),
  limit: positiveInt('limit').pipe(z.number().max(1000, 'limit must be at most 1000')).optional(),
  continuationToken: z.string().min(1).optional(),
  asOf: z.iso
    .datetime({ offset: true })
    .transform((value) => new Date(value).toISOString())
    .optional(),
});

export { AppendResponse } from '../core/index.ts';

export const ReadResponse = z.object({
  streamId: z.string(),
  version: z.number().int(),
  events: z.array(EventEnvelope),
  continuationToken: z.string().optional(),
  /** Only for an archived stream: its events up to this sequence were read back from cold storage. */
  archivedVersion: z.number().int().optional(),
});

/** `DELETE /api/streams/{aggregateType}/{aggregateId}`: soft (close) unless `mode=hard`. */
export const DeleteStreamQuery = z.object({
  mode: z.enum(['soft', 'hard'], { error: 'mode must be "soft" (close the stream) or "hard" (delete an archived stream for good)' }).optional(),
  reason: z.string().min(1).max(500, 'reason must be at most 500 characters').optional(),
});

export { ArchiveOutcome as ArchiveResponse, StreamEndOutcome as DeleteStreamResponse } from '../core/index.ts';

export { StreamInfo as StreamInfoResponse } from '../core/index.ts';

export const HealthResponse = z.object({
  status: z.literal('ok'),
  store: z.string(),
  region: z.string(),
  version: z.string(),
  /** Events this region's views had applied that the log replaced (a forced failover), and how many a rebuild repaired. */
  divergence: z.object({ detected: z.number().int(), repaired: z.number().int() }).optional(),
  /** Events in the account's conflicts feed that the reconciler has not settled yet (Cosmos DB; at least this many). */
  conflicts: z.number().int().optional(),
});

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .catchall(z.unknown());
