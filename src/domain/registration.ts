import { randomUUID } from 'node:crypto';
import { handleCommand, loadAggregate, type EventStore } from '../public/index.ts';
import { emailAddressDecider } from './emailAddress.ts';
import { EmailTakenError } from './errors.ts';
import { EMAIL_ADDRESS, emailAddressStream, normalizeEmail, userStream } from './streams.ts';
import { userDecider } from './user.ts';

// Registering a user touches two streams, and the log has no transaction across streams. So:
//   1. reserve the address: append to `EmailAddress-{hash}` (only one registration can start it);
//   2. register the user: append to `User-{userId}` with `no_stream`;
//   3. confirm the reservation.
// A crash after 1 leaves a reservation without a user. `resolveReservation` settles it, and the
// first event of `User-{userId}` is the arbiter: if the registration got there first the
// reservation is confirmed, else the resolver writes `UserRegistrationAbandoned` there first, which
// makes the late registration fail, and releases the address. Every step is idempotent, so any
// number of resolvers and registrations may race.

export interface RegistrationContext {
  store: EventStore;
  region: string;
  /** A reservation this old without its user is abandoned. */
  reservationTimeoutMs: number;
  now?: () => Date;
}

export const DEFAULT_RESERVATION_TIMEOUT_MS = 120_000;

export interface RegisteredUser {
  userId: string;
  version: number;
  consistencyToken: string;
}

export type ReservationOutcome = 'confirmed' | 'released' | 'not-due' | 'settled';

const nowOf = (context: RegistrationContext): Date => context.now?.() ?? new Date();

/** Settles one reservation whose registration may never have completed (see above). */
export const resolveReservation = async (context: RegistrationContext, emailAddressId: string): Promise<ReservationOutcome> => {
  const stream = { aggregateType: EMAIL_ADDRESS, aggregateId: emailAddressId };
  const { state } = await loadAggregate(context.store, emailAddressDecider, stream);
  if (state.status !== 'reserved') return 'settled';
  if (Date.parse(state.reservedAt) + context.reservationTimeoutMs > nowOf(context).getTime()) return 'not-due';

  const reason = `registration did not complete within ${context.reservationTimeoutMs} ms of the reservation`;
  const user = await handleCommand(context.store, userDecider, userStream(state.userId), { type: 'Abandon', reason }, { region: context.region });
  const registered = user.state.status === 'pending' || user.state.status === 'active';
  await handleCommand(
    context.store,
    emailAddressDecider,
    stream,
    registered ? { type: 'Confirm', userId: state.userId } : { type: 'Release', userId: state.userId, reason },
    { region: context.region },
  );
  return registered ? 'confirmed' : 'released';
};

/** Reserves the address for `userId`; a reservation abandoned by an earlier registration is settled first. */
const reserve = async (context: RegistrationContext, email: string, userId: string): Promise<void> => {
  const stream = emailAddressStream(email);
  const command = { type: 'Reserve', email, userId, reservedAt: nowOf(context).toISOString() } as const;
  try {
    await handleCommand(context.store, emailAddressDecider, stream, command, { region: context.region });
  } catch (error) {
    if (!(error instanceof EmailTakenError) || (await resolveReservation(context, stream.aggregateId)) !== 'released') throw error;
    await handleCommand(context.store, emailAddressDecider, stream, command, { region: context.region });
  }
};

export const registerUser = async (context: RegistrationContext, input: { email: string; name: string }): Promise<RegisteredUser> => {
  const email = normalizeEmail(input.email);
  const userId = randomUUID();
  await reserve(context, email, userId);
  const registered = await handleCommand(
    context.store,
    userDecider,
    userStream(userId),
    { type: 'Register', userId, email, name: input.name },
    { region: context.region },
  );
  await handleCommand(context.store, emailAddressDecider, emailAddressStream(email), { type: 'Confirm', userId }, { region: context.region });
  return { userId, version: registered.version, consistencyToken: registered.appended!.consistencyToken };
};
