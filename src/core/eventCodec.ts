import type { z } from 'zod';
import type { EventMetadata } from './envelope.ts';
import { ProblemError } from './errors.ts';

// Typed reading of stored events for deciders and views: the zod schemas of an aggregate's event data
// are its storage format, and a reader checks what it reads against them.

/** Event type -> schema of its `data`: one aggregate's stored events. */
export type EventSchemas = Record<string, z.ZodType<Record<string, unknown>>>;

/** The typed events of a schema map, as deciders and views see them. */
export type EventOf<S extends EventSchemas> = {
  [K in Extract<keyof S, string>]: { type: K; data: z.infer<S[K]>; metadata?: EventMetadata };
}[Extract<keyof S, string>];

/** A stored event of a known type whose data does not match its schema: the stream needs an operator. */
export class CorruptEventError extends ProblemError('corrupt-event', 500, 'Stored event does not match its schema') {}

/**
 * Reads events from the log into their typed form. Unknown types are left out (undefined), so a newer
 * writer's events do not break an older reader; a known type with malformed data is an error.
 */
export const decodeEvent = <S extends EventSchemas>(schemas: S, event: { type: string; data: unknown }): EventOf<S> | undefined => {
  const schema = Object.hasOwn(schemas, event.type) ? schemas[event.type] : undefined;
  if (schema === undefined) return undefined;
  const parsed = schema.safeParse(event.data);
  if (!parsed.success)
    throw new CorruptEventError(`event ${event.type} does not match its schema: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'data'}: ${i.message}`).join('; ')}`);
  return { type: event.type, data: parsed.data } as EventOf<S>;
};
