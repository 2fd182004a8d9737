import type { z } from 'zod';
import { GroupBatch, GroupStatus, ParkedEvent } from '../core/index.ts';
import { AckResponse, NackResponse, ParkedList, ReplayResponse, type CreateGroupBody } from '../api/feedSchemas.ts';
import type { Transport } from './transport.ts';

// A member of a consumer group (`/api/consumers/{group}`): fetch a batch, handle it, acknowledge it.

export type GroupSettingsInput = z.input<typeof CreateGroupBody>;
export type ConsumerBatch = z.infer<typeof GroupBatch>;
export type ConsumerGroupStatus = z.infer<typeof GroupStatus>;
export type ParkedGroupEvent = z.infer<typeof ParkedEvent>;

export interface ConsumerOptions {
  /** Names this member in the group's leases (default: a random name per consumer). */
  member?: string;
}

export interface NextOptions {
  /** Most events in the batch (1-1000, server default 100). */
  max?: number;
  /** Wait up to this long for events when none are available (server max 30 000; default 20 000). */
  waitMs?: number;
  signal?: AbortSignal;
}

export interface RefuseOptions {
  /** `retry` (default): back to the group at once; `park`: set aside until replayed. */
  action?: 'retry' | 'park';
  /** Only these events of the batch. */
  eventIds?: string[];
  reason?: string;
}

export interface Consumer {
  readonly group: string;
  readonly member: string;
  /** Creates the group (or finds it with the same settings; other settings are a 409 problem). */
  create(settings?: GroupSettingsInput): Promise<ConsumerGroupStatus>;
  status(): Promise<ConsumerGroupStatus>;
  /** A batch leased to this member; `batchId` is absent and `events` empty when none came within the wait. */
  next(options?: NextOptions): Promise<ConsumerBatch>;
  /** Acknowledges the batch (or these events of it): they are never handed out again. */
  ack(batch: ConsumerBatch, eventIds?: string[]): Promise<{ acknowledged: number }>;
  nack(batch: ConsumerBatch, options?: RefuseOptions): Promise<{ returned: number; parked: number }>;
  parked(): Promise<ParkedGroupEvent[]>;
  /** Parked events (these, or all) go back to the group. */
  replayParked(eventIds?: string[]): Promise<{ replayed: number }>;
}

const DEFAULT_WAIT_MS = 20_000;

type Parse = <S extends z.ZodType>(answer: Awaited<ReturnType<Transport>>, expected: number, schema: S) => z.infer<S>;

const batchIdOf = (batch: ConsumerBatch): string => {
  if (batch.batchId === undefined) throw new TypeError('this batch is empty: there is nothing to acknowledge or refuse');
  return batch.batchId;
};

export const createConsumer = (send: Transport, parse: Parse, group: string, options: ConsumerOptions = {}): Consumer => {
  const member = options.member ?? `member-${globalThis.crypto.randomUUID().slice(0, 8)}`;
  const segments = (...rest: string[]): string[] => ['consumers', group, ...rest];
  return {
    group,
    member,
    async create(settings = {}) {
      // Creating again with the same settings is a no-op on the server, so a lost answer may be retried.
      const answer = await send({ method: 'POST', segments: segments(), body: settings, idempotent: true });
      return parse(answer, answer.status === 201 ? 201 : 200, GroupStatus);
    },
    async status() {
      return parse(await send({ method: 'GET', segments: segments(), idempotent: true }), 200, GroupStatus);
    },
    async next(nextOptions = {}) {
      const answer = await send({
        method: 'GET',
        segments: segments('next'),
        query: { member, max: nextOptions.max, wait: nextOptions.waitMs ?? DEFAULT_WAIT_MS },
        // A batch whose answer was lost returns to the group when its lease runs out: asking again is safe.
        idempotent: true,
        signal: nextOptions.signal,
      });
      return parse(answer, 200, GroupBatch);
    },
    async ack(batch, eventIds) {
      const answer = await send({ method: 'POST', segments: segments('ack'), body: { batchId: batchIdOf(batch), eventIds }, idempotent: false });
      return parse(answer, 200, AckResponse);
    },
    async nack(batch, refuse = {}) {
      const answer = await send({ method: 'POST', segments: segments('nack'), body: { batchId: batchIdOf(batch), ...refuse }, idempotent: false });
      return parse(answer, 200, NackResponse);
    },
    async parked() {
      const answer = await send({ method: 'GET', segments: segments('parked'), idempotent: true });
      return parse(answer, 200, ParkedList).parked;
    },
    async replayParked(eventIds) {
      const answer = await send({ method: 'POST', segments: segments('parked', 'replay'), body: eventIds === undefined ? {} : { eventIds }, idempotent: false });
      return parse(answer, 200, ReplayResponse);
    },
  };
};
