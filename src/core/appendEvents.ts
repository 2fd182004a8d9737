import { z } from 'zod';
import { canonicalJson } from './canonicalJson.ts';
import { encodeConsistencyToken } from './consistencyToken.ts';
import { streamIdOf, type EventEnvelope, type ExpectedVersion, type NewEvent, type StreamRef } from './envelope.ts';
import { ConcurrencyError, DuplicateEventIdError, IdempotencyKeyReusedError } from './errors.ts';
import { idempotentEventId, newEventId } from './eventIds.ts';
import { AppendResult, type EventStore, type PreparedEvent } from './ports.ts';
import { retry, type RetryPolicy } from './retry.ts';

export interface AppendCommand {
  stream: StreamRef;
  expectedVersion: ExpectedVersion;
  events: NewEvent[];
  idempotencyKey?: string;
  region: string;
}

/** The answer to an append: what the store wrote, and the token to read it back from views in any region. */
export const AppendResponse = AppendResult.extend({ consistencyToken: z.string() });
export type AppendResponse = z.infer<typeof AppendResponse>;

export interface AppendOutcome extends AppendResponse {
  /** True when an earlier request with the same Idempotency-Key already wrote these events. */
  replayed: boolean;
}

/** How often an `"any"` append is retried when a concurrent writer takes its sequence. */
export const ANY_VERSION_RETRY: RetryPolicy = { maxAttempts: 25, baseDelayMs: 2, maxDelayMs: 100 };

export const prepareEvents = (streamId: string, events: NewEvent[], idempotencyKey?: string): PreparedEvent[] =>
  events.map((event, index) => ({
    id: event.id ?? (idempotencyKey === undefined ? newEventId() : idempotentEventId(streamId, idempotencyKey, index)),
    type: event.type,
    schemaVersion: event.schemaVersion ?? 1,
    data: event.data,
    metadata: idempotencyKey === undefined ? { ...event.metadata } : { ...event.metadata, idempotencyKey },
  }));

const withToken = (result: AppendResult, replayed: boolean): AppendOutcome => ({
  ...result,
  consistencyToken: encodeConsistencyToken({ streamId: result.streamId, sequence: result.lastSequence }),
  replayed,
});

const sameEvent = (stored: EventEnvelope, proposed: PreparedEvent): boolean =>
  stored.type === proposed.type &&
  stored.schemaVersion === proposed.schemaVersion &&
  canonicalJson(stored.data) === canonicalJson(proposed.data) &&
  canonicalJson(stored.metadata) === canonicalJson(proposed.metadata);

/** The original result of a keyed request whose events are already in the log, or an error if the key was reused. */
const replayOf = (command: AppendCommand, events: PreparedEvent[], stored: EventEnvelope[]): AppendOutcome => {
  const streamId = streamIdOf(command.stream);
  const byId = new Map(stored.map((e) => [e.id, e]));
  const matches = stored.length === events.length && events.every((e) => {
    const original = byId.get(e.id);
    return original !== undefined && sameEvent(original, e);
  });
  if (!matches) throw new IdempotencyKeyReusedError(streamId, command.idempotencyKey ?? '');
  const sequences = stored.map((e) => e.sequence).sort((a, b) => a - b);
  const lastSequence = sequences[sequences.length - 1]!;
  const first = stored.find((e) => e.sequence === sequences[0])!;
  return withToken(
    {
      streamId,
      aggregateType: command.stream.aggregateType,
      aggregateId: command.stream.aggregateId,
      firstSequence: sequences[0]!,
      lastSequence,
      version: lastSequence,
      eventIds: events.map((e) => e.id),
      recordedAt: first.recordedAt,
    },
    true,
  );
};

/**
 * Appends with the product's request semantics on top of any EventStore: deterministic ids and
 * replay for Idempotency-Keys, and bounded retries with jitter for `"any"`.
 */
export const appendEvents = async (
  store: EventStore,
  command: AppendCommand,
  retryPolicy: RetryPolicy = ANY_VERSION_RETRY,
): Promise<AppendOutcome> => {
  const events = prepareEvents(streamIdOf(command.stream), command.events, command.idempotencyKey);
  const attempt = async (): Promise<AppendOutcome> => {
    try {
      return withToken(await store.append({ stream: command.stream, expectedVersion: command.expectedVersion, events, region: command.region }), false);
    } catch (error) {
      if (!(error instanceof ConcurrencyError || error instanceof DuplicateEventIdError) || command.idempotencyKey === undefined) throw error;
      // The ids are already there: an earlier request with this key wrote them (or the key was reused).
      const stored = await store.readEventsById(command.stream, events.map((e) => e.id));
      if (stored.length > 0) return replayOf(command, events, stored);
      throw error;
    }
  };
  return retry(attempt, {
    policy: retryPolicy,
    retryOn: (error) => error instanceof ConcurrencyError && command.expectedVersion === 'any',
  });
};
