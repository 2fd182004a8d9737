import { z } from 'zod';
import { type Decider, decodeEvent, type EventOf, type PersonalDataDeclaration } from '../public/index.ts';
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
  /** The holder was erased as a data subject: the address is free again, and its views forget it. */
  EmailReservationErased: z.object({ userId: z.string(), reservedAt: z.iso.datetime() }),
};
export type EmailAddressEvent = EventOf<typeof EmailAddressEvents>;

/** The reserved address belongs to the user who reserved it. The stream id is its SHA-256 (docs/decisions.md, "Erasure and email reservations"). */
export const EmailAddressPersonalData: PersonalDataDeclaration = {
  EmailReserved: { subject: { from: 'data', field: 'userId' }, fields: ['email'] },
};

export type EmailAddressState =
  | { status: 'free' }
  | { status: 'reserved' | 'confirmed' | 'released'; email: string; userId: string; reservedAt: string };

export type EmailAddressCommand =
  | { type: 'Reserve'; email: string; userId: string; reservedAt: string }
  | { type: 'Confirm'; userId: string }
  | { type: 'Release'; userId: string; reason: string }
  | { type: 'Erase'; userId: string };

export const initialState = (): EmailAddressState => ({ status: 'free' });

const heldBy = (state: EmailAddressState, userId: string): state is Exclude<EmailAddressState, { status: 'free' }> =>
  (state.status === 'reserved' || state.status === 'confirmed') && state.userId === userId;

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
    case 'EmailReservationErased':
      return heldBy(state, event.data.userId) ? { status: 'free' } : state;
  }
};

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
    case 'Erase':
      // Only while the erased user holds it: erasing twice, or after someone else reserved it, changes nothing.
      return heldBy(state, command.userId)
        ? [{ type: 'EmailReservationErased', data: { userId: command.userId, reservedAt: state.reservedAt } }]
        : [];
  }
};

export const emailAddressDecider: Decider<EmailAddressCommand, EmailAddressEvent, EmailAddressState> = { initialState, evolve, decide };
