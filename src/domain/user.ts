import { z } from 'zod';
import { type Decider, decodeEvent, type EventOf, type PersonalDataDeclaration } from '../public/index.ts';
import { AlreadyExistsError, InvalidActivationTokenError, RegistrationAbandonedError, UserNotFoundError } from './errors.ts';

// A user account: `User-{userId}`. The first event decides the stream's fate: `UserRegistered`
// (the registration won) or `UserRegistrationAbandoned` (the reservation process gave it up).

// Events: these reflect the storage format; version with care.
const TokenHash = z.string().regex(/^[0-9a-f]{64}$/, 'must be a hex SHA-256');
export const UserEvents = {
  /** `email` is normalized (trimmed, lower-cased): the form it is unique in. */
  UserRegistered: z.object({ email: z.string(), name: z.string() }),
  UserRegistrationAbandoned: z.object({ reason: z.string() }),
  /** Only the hash of the one-time token: the token itself is in the mail and nowhere else. */
  ActivationEmailSent: z.object({ tokenHash: TokenHash, messageId: z.string() }),
  UserActivated: z.object({}),
};
export type UserEvent = EventOf<typeof UserEvents>;

/** The user's email and name are theirs: sealed under the user's key, and "(erased)" once they are erased. */
export const UserPersonalData: PersonalDataDeclaration = {
  UserRegistered: { subject: { from: 'aggregateId' }, fields: ['email', 'name'] },
};

export type UserState =
  | { status: 'unregistered' }
  | { status: 'abandoned' }
  | {
      status: 'pending' | 'active';
      email: string;
      name: string;
      /** Hashes of every activation token mailed; any of them activates (a redelivery may have mailed twice). */
      activationTokenHashes: string[];
    };

export type UserCommand =
  | { type: 'Register'; userId: string; email: string; name: string }
  | { type: 'Abandon'; reason: string }
  | { type: 'RecordActivationEmailSent'; userId: string; tokenHash: string; messageId: string }
  | { type: 'Activate'; userId: string; tokenHash: string };

export const initialState = (): UserState => ({ status: 'unregistered' });

export const evolve = (state: UserState, stored: UserEvent): UserState => {
  const event = decodeEvent(UserEvents, stored);
  if (event === undefined) return state;
  switch (event.type) {
    case 'UserRegistered':
      return state.status === 'unregistered' ? { status: 'pending', ...event.data, activationTokenHashes: [] } : state;
    case 'UserRegistrationAbandoned':
      return state.status === 'unregistered' ? { status: 'abandoned' } : state;
    case 'ActivationEmailSent':
      return state.status === 'pending' || state.status === 'active'
        ? { ...state, activationTokenHashes: [...state.activationTokenHashes, event.data.tokenHash] }
        : state;
    case 'UserActivated':
      return state.status === 'pending' ? { ...state, status: 'active' } : state;
  }
};

export const decide = (command: UserCommand, state: UserState): UserEvent[] => {
  switch (command.type) {
    case 'Register': {
      if (state.status === 'unregistered')
        return [{ type: 'UserRegistered', data: { email: command.email, name: command.name } }];
      if (state.status === 'abandoned') throw new RegistrationAbandonedError(command.userId);
      if (state.email === command.email && state.name === command.name) return [];
      throw new AlreadyExistsError(`user ${command.userId} is already registered`);
    }
    case 'Abandon':
      return state.status === 'unregistered' ? [{ type: 'UserRegistrationAbandoned', data: { reason: command.reason } }] : [];
    case 'RecordActivationEmailSent': {
      if (state.status === 'unregistered' || state.status === 'abandoned') throw new UserNotFoundError(command.userId);
      if (state.status === 'active' || state.activationTokenHashes.includes(command.tokenHash)) return [];
      return [{ type: 'ActivationEmailSent', data: { tokenHash: command.tokenHash, messageId: command.messageId } }];
    }
    case 'Activate': {
      if (state.status === 'unregistered' || state.status === 'abandoned') throw new UserNotFoundError(command.userId);
      if (!state.activationTokenHashes.includes(command.tokenHash)) throw new InvalidActivationTokenError(command.userId);
      return state.status === 'active' ? [] : [{ type: 'UserActivated', data: {} }];
    }
  }
};

export const userDecider: Decider<UserCommand, UserEvent, UserState> = { initialState, evolve, decide };
