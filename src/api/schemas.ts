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

const positiveInt = (name: string) =>
  z
    .string()
    .regex(/^[0-9]+$/, `${name} must be a positive integer`)
    .transform(Number)
    .pipe(z.number().int().min(1, `${name} must be at least 1`).max(Number.MAX_SAFE_INTEGER));

export const ReadQuery = z.object({
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
});

export { StreamInfo as StreamInfoResponse } from '../core/index.ts';

export const HealthResponse = z.object({
  status: z.literal('ok'),
  store: z.string(),
  region: z.string(),
  version: z.string(),
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
