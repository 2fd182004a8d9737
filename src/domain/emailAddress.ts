import { z } from 'zod';
import { type Decider, decodeEvent, type EventOf } from '../public/index.ts';
import { EmailTakenError, ReservationNotHeldError } from './errors.ts';

// The reservation of one normalized email address: `EmailAddress-{sha256(email)}`. Uniqueness comes
// from the log itself: the first reservation is appended with `no_stream`, so of concurrent
// registrations exactly one gets the stream, and every later one reads who holds it.

// Events: these reflect the storage format; version with care.
export const EmailAddressEvents = {
  EmailReserved: z.object({ email: z.string(), userId: z.string(), reservedAt: z.iso.datetime() }),
  /** The user registered: the address is theirs. */
  EmailReservationConfirmed: z.object({ userId: z.string(), reservedAt: z.iso.datetime() }),
  /** The registration never completed: the address is free again. */
  EmailReservationReleased: z.object({ userId: z.string(), reservedAt: z.iso.datetime(), reason: z.string() }),
};
export type EmailAddressEvent = EventOf<typeof EmailAddressEvents>;

export type EmailAddressState =
  | { status: 'free' }
  | { status: 'reserved' | 'confirmed' | 'released'; email: string; userId: string; reservedAt: string };

export type EmailAddressCommand =
  | { type: 'Reserve'; email: string; userId: string; reservedAt: string }
  | { type: 'Confirm'; userId: string }
  | { type: 'Release'; userId: string; reason: string };

export const initialState = (): EmailAddressState => ({ status: 'free' });

export const evolve = (state: EmailAddressState, stored: EmailAddressEvent): EmailAddressState => {
  const event = decodeEvent(EmailAddressEvents, stored);
  if (event === undefined) return state;
  switch (event.type) {
    case 'EmailReserved':
      return { status: 'reserved', ...event.data };
    case 'EmailReservationConfirmed':
      return state.status === 'reserved' ? { ...state, status: 'confirmed' } : state;
    case 'EmailReservationReleased':
      return state.status === 'reserved' ? { ...state, status: 'released' } : state;
  }
};

const heldBy = (state: EmailAddressState, userId: string): boolean =>
  (state.status === 'reserved' || state.status === 'confirmed') && state.userId === userId;

export const decide = (command: EmailAddressCommand, state: EmailAddressState): EmailAddressEvent[] => {
  switch (command.type) {
    case 'Reserve':
      if (state.status === 'free' || state.status === 'released')
        return [{ type: 'EmailReserved', data: { email: command.email, userId: command.userId, reservedAt: command.reservedAt } }];
      if (heldBy(state, command.userId)) return [];
      throw new EmailTakenError(command.email);
    case 'Confirm':
      if (state.status === 'reserved' && state.userId === command.userId)
        return [{ type: 'EmailReservationConfirmed', data: { userId: command.userId, reservedAt: state.reservedAt } }];
      if (state.status === 'confirmed' && state.userId === command.userId) return [];
      throw new ReservationNotHeldError(command.userId);
    case 'Release':
      // Only the holder's pending reservation: releasing twice, or after someone else reserved, changes nothing.
      return state.status === 'reserved' && state.userId === command.userId
        ? [{ type: 'EmailReservationReleased', data: { userId: command.userId, reservedAt: state.reservedAt, reason: command.reason } }]
        : [];
  }
};

export const emailAddressDecider: Decider<EmailAddressCommand, EmailAddressEvent, EmailAddressState> = { initialState, evolve, decide };
