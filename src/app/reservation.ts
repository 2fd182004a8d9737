import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  handleCommand,
  loadAggregate,
  ProblemError,
  decodeEvent,
  AggregateType,
  EventType,
  type Decider,
  type EventEnvelope,
  type EventOf,
  type EventStore,
  type StreamRef,
} from '../core/index.ts';
import { rejectInStream, type ReconciliationPolicy } from '../reconciliation/policies.ts';
import type { AggregateRegistration } from './module.ts';

// A unique value (an email address, a username) in a log that has optimistic concurrency per stream
// and no transaction across streams: each value is a stream of its own, `{aggregateType}-{sha256}`,
// and the first reservation is appended with `no_stream`, so of concurrent reservations exactly one
// wins and every other one reads who holds the value. The owner's own write (a user's registration)
// goes to another stream after the reservation, and is confirmed after it; a reservation whose owner
// never got written is settled by `settle`, with the owner's stream as the arbiter (see `SettleContext`).

/** The value is held by another owner. */
export class ValueTakenError extends ProblemError('value-taken', 409, 'Value already taken') {}

/** A confirmation by an owner that no longer holds the reservation. */
export class ReservationLostError extends ProblemError('reservation-not-held', 409, 'Reservation lost') {}

type Named<K extends string> = { [P in K]: string };

/** The data of the three events of a reservation stream, with its value and owner fields as named. */
export type ReservedData<V extends string, O extends string> = Named<V> & Named<O> & { reservedAt: string };
export type ConfirmedData<O extends string> = Named<O> & { reservedAt: string };
export type ReleasedData<O extends string> = Named<O> & { reservedAt: string; reason: string };

export type ReservationEventSchemas<V extends string, O extends string, R extends string, C extends string, L extends string> = {
  [K in R]: z.ZodType<ReservedData<V, O>>;
} & { [K in C]: z.ZodType<ConfirmedData<O>> } & { [K in L]: z.ZodType<ReleasedData<O>> };

export type ReservationState<V extends string, O extends string> =
  | { status: 'free' }
  | ({ status: 'reserved' | 'confirmed' | 'released'; reservedAt: string } & Named<V> & Named<O>);

export type ReservationCommand<V extends string, O extends string> =
  | ({ type: 'Reserve'; reservedAt: string } & Named<V> & Named<O>)
  | ({ type: 'Confirm' } & Named<O>)
  | ({ type: 'Release'; reason: string } & Named<O>);

/** How a reservation's owner turned out: its write got there first (`completed`), or it is abandoned for good. */
export type OwnerOutcome = 'completed' | 'abandoned';

/** What a reservation's operations need: the log, this region, and the time. */
export interface ReservationContext {
  store: EventStore;
  region: string;
  now?: () => Date;
}

/**
 * What settling needs besides: how old a reservation without its owner must be before it is settled,
 * and how to settle the owner. `settleOwner` must make the owner's fate final and say which it is: for
 * a user, append "abandoned" as the first event of the user's stream with `no_stream` unless the
 * registration is there, so a late registration fails instead of winning after the value was released.
 */
export interface SettleContext extends ReservationContext {
  timeoutMs: number;
  /** Why an abandoned reservation is released, as its release event and `settleOwner` record it. */
  reason?: string;
  settleOwner: (ownerId: string, reason: string) => Promise<OwnerOutcome>;
}

/** `settle`'s finding: confirmed for its owner, released, not old enough yet, or nothing to settle. */
export type SettleOutcome = 'confirmed' | 'released' | 'not-due' | 'settled';

export interface ReservationOptions<V extends string, O extends string, R extends string, C extends string, L extends string> {
  /** One stream per value, `{aggregateType}-{hex sha256 of the normalized value}`. Part of the storage format. */
  aggregateType: string;
  /** The form a value is unique in, such as trimmed and lower-cased (default: as given). */
  normalize?: (value: string) => string;
  /** Its event types. Part of the storage format. */
  eventTypes: { reserved: R; confirmed: C; released: L };
  /** Names of the value's and the owner's fields in its events, commands and state. Part of the storage format. */
  fields: { value: V; owner: O };
  /** The refusal of a value someone else holds (default `ValueTakenError`, 409 `value-taken`). */
  taken?: (value: string) => Error;
  /** The refusal to confirm a reservation the owner no longer holds (default `ReservationLostError`, 409 `reservation-not-held`). */
  lost?: (ownerId: string) => Error;
  /** What owners are, for the reconciliation report (default `owner`). */
  ownerNoun?: string;
}

/** A declared uniqueness reservation: its aggregate, its decider, and the operations on it. */
export interface Reservation<V extends string, O extends string, R extends string, C extends string, L extends string> {
  aggregateType: string;
  events: ReservationEventSchemas<V, O, R, C, L>;
  decider: Decider<ReservationCommand<V, O>, EventOf<ReservationEventSchemas<V, O, R, C, L>>, ReservationState<V, O>>;
  /** For `createApp({ aggregates })`: written by its operations only (`commands-only` on the raw append route). */
  registration: AggregateRegistration;
  normalize(value: string): string;
  /** The stream id part of a value: hex SHA-256 of its normalized form (any value fits the aggregate id alphabet). */
  idOf(value: string): string;
  streamOf(value: string): StreamRef;
  /** Who holds the value (reserved or confirmed), if anyone. */
  holder(store: EventStore, value: string): Promise<string | undefined>;
  /**
   * Reserves the value for `ownerId` (again for the same owner: nothing new). Held by another: refused
   * with `taken`, unless `settle` is given and the other reservation turns out abandoned and is released.
   */
  reserve(context: ReservationContext & { settle?: SettleContext }, value: string, ownerId: string): Promise<void>;
  /** The owner's write is done: the value is theirs for good. */
  confirm(context: ReservationContext, value: string, ownerId: string): Promise<void>;
  /** The owner gives a pending reservation up; nothing when it is not theirs or not pending. */
  release(context: ReservationContext, value: string, ownerId: string, reason: string): Promise<void>;
  /** Settles one reservation (by `idOf`) whose owner may never have been written: a sweep or a retry calls it. */
  settle(context: SettleContext, id: string): Promise<SettleOutcome>;
  /**
   * After a forced failover: a lost step of another owner's reservation, appended again after the
   * current holder's, would hand the value over, so it is recorded as rejected instead.
   */
  reconciliation: ReconciliationPolicy;
}

const hexSha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Declares a uniqueness reservation:
 *
 * ```ts
 * export const usernames = defineReservation({
 *   aggregateType: 'Username',
 *   normalize: (name) => name.trim().toLowerCase(),
 *   eventTypes: { reserved: 'UsernameReserved', confirmed: 'UsernameConfirmed', released: 'UsernameReleased' },
 *   fields: { value: 'username', owner: 'accountId' },
 * });
 * ```
 */
export const defineReservation = <V extends string, O extends string, R extends string, C extends string, L extends string>(
  options: ReservationOptions<V, O, R, C, L>,
): Reservation<V, O, R, C, L> => {
  const { aggregateType, eventTypes, fields } = options;
  const names = [eventTypes.reserved, eventTypes.confirmed, eventTypes.released];
  const problems = [
    ...(AggregateType.safeParse(aggregateType).success ? [] : [`aggregate type "${aggregateType}" is not valid`]),
    ...names.filter((type) => !EventType.safeParse(type).success).map((type) => `event type "${type}" is not valid`),
    ...(new Set(names).size === 3 ? [] : ['its three event types must differ']),
    ...((fields.value as string) === fields.owner || [fields.value, fields.owner].some((f) => ['reservedAt', 'reason', 'type', 'status'].includes(f))
      ? [`fields ${fields.value} and ${fields.owner} must differ and not be reservedAt, reason, type or status`]
      : []),
  ];
  if (problems.length > 0) throw new Error(`reservation ${aggregateType}: ${problems.join('; ')}`);

  type State = ReservationState<V, O>;
  type Command = ReservationCommand<V, O>;
  type Events = ReservationEventSchemas<V, O, R, C, L>;
  type Event = EventOf<Events>;
  const normalize = options.normalize ?? ((value: string) => value);
  const taken = options.taken ?? ((value: string) => new ValueTakenError(`${value} is already taken`));
  const lost = options.lost ?? ((ownerId: string) => new ReservationLostError(`the reservation is not held by ${ownerId}`));
  const ownerNoun = options.ownerNoun ?? 'owner';

  const events = {
    [eventTypes.reserved]: z.object({ [fields.value]: z.string(), [fields.owner]: z.string(), reservedAt: z.iso.datetime() }),
    [eventTypes.confirmed]: z.object({ [fields.owner]: z.string(), reservedAt: z.iso.datetime() }),
    [eventTypes.released]: z.object({ [fields.owner]: z.string(), reservedAt: z.iso.datetime(), reason: z.string() }),
  } as unknown as Events;

  // Field access by configured name: the types above say what they hold.
  const get = (record: object, field: V | O): string => (record as Record<string, string>)[field]!;
  const ownerOf = (state: State): string | undefined => (state.status === 'free' ? undefined : get(state, fields.owner));
  const heldBy = (state: State, ownerId: string): boolean => (state.status === 'reserved' || state.status === 'confirmed') && ownerOf(state) === ownerId;
  const event = (type: string, data: Record<string, string>): Event => ({ type, data }) as unknown as Event;

  const evolve = (state: State, stored: Event): State => {
    const decoded = decodeEvent(events, stored) as { type: string; data: Record<string, string> } | undefined;
    if (decoded === undefined) return state;
    if (decoded.type === eventTypes.reserved) return { status: 'reserved', ...decoded.data } as State;
    if (state.status !== 'reserved') return state;
    if (decoded.type === eventTypes.confirmed) return { ...state, status: 'confirmed' };
    return { ...state, status: 'released' };
  };

  const decide = (command: Command, state: State): Event[] => {
    const ownerId = get(command, fields.owner);
    switch (command.type) {
      case 'Reserve': {
        if (state.status === 'free' || state.status === 'released')
          return [event(eventTypes.reserved, { [fields.value]: get(command, fields.value), [fields.owner]: ownerId, reservedAt: command.reservedAt })];
        if (heldBy(state, ownerId)) return [];
        throw taken(get(command, fields.value));
      }
      case 'Confirm':
        if (state.status === 'reserved' && ownerOf(state) === ownerId) return [event(eventTypes.confirmed, { [fields.owner]: ownerId, reservedAt: state.reservedAt })];
        if (state.status === 'confirmed' && ownerOf(state) === ownerId) return [];
        throw lost(ownerId);
      case 'Release':
        // Only the holder's pending reservation: releasing twice, or after someone else reserved, changes nothing.
        return state.status === 'reserved' && ownerOf(state) === ownerId
          ? [event(eventTypes.released, { [fields.owner]: ownerId, reservedAt: state.reservedAt, reason: command.reason })]
          : [];
    }
  };

  // The event union of the configured names is beyond what the compiler follows through `decodeEvent`: the schemas above hold it.
  const decider = { initialState: (): State => ({ status: 'free' }), evolve, decide } as unknown as Reservation<V, O, R, C, L>['decider'];
  const idOf = (value: string): string => hexSha256(normalize(value));
  const streamOf = (value: string): StreamRef => ({ aggregateType, aggregateId: idOf(value) });
  const nowOf = (context: ReservationContext): Date => context.now?.() ?? new Date();
  const run = (context: ReservationContext, stream: StreamRef, command: Command) => handleCommand(context.store, decider, stream, command, { region: context.region });
  const named = (entries: Record<string, string>) => entries as Named<V> & Named<O>;

  const settle = async (context: SettleContext, id: string): Promise<SettleOutcome> => {
    const stream = { aggregateType, aggregateId: id };
    const { state } = await loadAggregate(context.store, decider, stream);
    if (state.status !== 'reserved') return 'settled';
    if (Date.parse(state.reservedAt) + context.timeoutMs > nowOf(context).getTime()) return 'not-due';
    const ownerId = ownerOf(state)!;
    const reason = context.reason ?? `the ${ownerNoun} was not written within ${context.timeoutMs} ms of the reservation`;
    const completed = (await context.settleOwner(ownerId, reason)) === 'completed';
    await run(context, stream, completed ? { type: 'Confirm', ...named({ [fields.owner]: ownerId }) } : { type: 'Release', reason, ...named({ [fields.owner]: ownerId }) });
    return completed ? 'confirmed' : 'released';
  };

  return {
    aggregateType,
    events,
    decider,
    registration: { aggregateType, decider, events, rawAppend: 'commands-only' },
    normalize,
    idOf,
    streamOf,
    holder: async (store, value) => {
      const { state } = await loadAggregate(store, decider, streamOf(value));
      return state.status === 'reserved' || state.status === 'confirmed' ? ownerOf(state) : undefined;
    },
    reserve: async (context, value, ownerId) => {
      const stream = streamOf(value);
      const command = { type: 'Reserve', reservedAt: nowOf(context).toISOString(), ...named({ [fields.value]: normalize(value), [fields.owner]: ownerId }) } as Command;
      try {
        await run(context, stream, command);
      } catch (error) {
        // Held by someone: if that reservation is abandoned, settling releases it and this one may go in.
        if (context.settle === undefined || (await settle(context.settle, stream.aggregateId)) !== 'released') throw error;
        await run(context, stream, command);
      }
    },
    confirm: async (context, value, ownerId) => {
      await run(context, streamOf(value), { type: 'Confirm', ...named({ [fields.owner]: ownerId }) } as Command);
    },
    release: async (context, value, ownerId, reason) => {
      await run(context, streamOf(value), { type: 'Release', reason, ...named({ [fields.owner]: ownerId }) } as Command);
    },
    settle,
    reconciliation: {
      resolve: async ({ loser, readStream }) => {
        const stored = await readStream({ aggregateType: loser.aggregateType, aggregateId: loser.aggregateId });
        const state = stored.reduce((current: State, e: EventEnvelope) => evolve(current, e as unknown as Event), decider.initialState());
        const holder = state.status === 'reserved' || state.status === 'confirmed' ? ownerOf(state) : undefined;
        const claimant = typeof loser.data[fields.owner] === 'string' ? (loser.data[fields.owner] as string) : undefined;
        if (holder === undefined || holder === claimant) return { action: 'reappend' };
        return rejectInStream(
          loser,
          `${loser.streamId} is held by ${ownerNoun} ${holder}; ${loser.type} of ${ownerNoun} ${claimant ?? '(none)'} would give it to a second ${ownerNoun}`,
        );
      },
    },
  };
};
