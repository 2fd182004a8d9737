import { describe, expect, it } from 'vitest';
import type { Decider, DomainEvent } from '../../src/core/index.ts';
import { CorruptEventError } from '../../src/core/eventCodec.ts';
import { commentDecider } from '../../src/domain/comment.ts';
import { emailAddressDecider } from '../../src/domain/emailAddress.ts';
import {
  AlreadyExistsError,
  EmailTakenError,
  InvalidActivationTokenError,
  PostDeletedError,
  PostNotFoundError,
  RegistrationAbandonedError,
  ReservationNotHeldError,
  UserNotFoundError,
} from '../../src/domain/errors.ts';
import { postDecider } from '../../src/domain/post.ts';
import { userDecider } from '../../src/domain/user.ts';

// Given the events of a stream, when a command, then these events (or this refusal).
const specOf =
  <C, E extends DomainEvent, S>(decider: Decider<C, E, S>) =>
  (given: E[]) => ({
    when: (command: C) => {
      const state = given.reduce(decider.evolve, decider.initialState());
      return {
        then: (expected: E[]) => expect(decider.decide(command, state)).toEqual(expected),
        thenRefuses: (error: new (...args: never[]) => Error) => expect(() => decider.decide(command, state)).toThrow(error),
      };
    },
  });

const H1 = 'a'.repeat(64);
const H2 = 'b'.repeat(64);

describe('User decider', () => {
  const user = specOf(userDecider);
  const registered = { type: 'UserRegistered', data: { email: 'a@x.io', name: 'A' } } as const;
  const mailed = { type: 'ActivationEmailSent', data: { tokenHash: H1, messageId: 'm1' } } as const;
  const register = { type: 'Register', userId: 'u1', email: 'a@x.io', name: 'A' } as const;

  it('given nothing, when registering, then UserRegistered', () => user([]).when(register).then([registered]));
  it('given the same registration, when registering again, then nothing (a retry)', () => user([registered]).when(register).then([]));
  it('given another registration, when registering, then refused', () =>
    user([registered]).when({ ...register, name: 'B' }).thenRefuses(AlreadyExistsError));
  it('given an abandoned registration, when registering late, then refused as abandoned', () =>
    user([{ type: 'UserRegistrationAbandoned', data: { reason: 'r' } }]).when(register).thenRefuses(RegistrationAbandonedError));
  it('given nothing, when abandoning, then UserRegistrationAbandoned', () =>
    user([]).when({ type: 'Abandon', reason: 'r' }).then([{ type: 'UserRegistrationAbandoned', data: { reason: 'r' } }]));
  it('given a registered user, when abandoning, then nothing: the registration won', () =>
    user([registered]).when({ type: 'Abandon', reason: 'r' }).then([]));
  it('given a registered user, when recording a sent mail, then ActivationEmailSent with the hash', () =>
    user([registered]).when({ type: 'RecordActivationEmailSent', userId: 'u1', tokenHash: H1, messageId: 'm1' }).then([mailed]));
  it('given the same mail recorded, when recording it again, then nothing', () =>
    user([registered, mailed]).when({ type: 'RecordActivationEmailSent', userId: 'u1', tokenHash: H1, messageId: 'm1' }).then([]));
  it('given no user, when recording a mail, then not found', () =>
    user([]).when({ type: 'RecordActivationEmailSent', userId: 'u1', tokenHash: H1, messageId: 'm1' }).thenRefuses(UserNotFoundError));
  it('given a mailed token, when activating with it, then UserActivated', () =>
    user([registered, mailed]).when({ type: 'Activate', userId: 'u1', tokenHash: H1 }).then([{ type: 'UserActivated', data: {} }]));
  it('given a mailed token, when activating with another, then refused', () =>
    user([registered, mailed]).when({ type: 'Activate', userId: 'u1', tokenHash: H2 }).thenRefuses(InvalidActivationTokenError));
  it('given no mail yet, when activating, then refused', () =>
    user([registered]).when({ type: 'Activate', userId: 'u1', tokenHash: H1 }).thenRefuses(InvalidActivationTokenError));
  it('given two mails (a redelivery), when activating with either, then UserActivated', () =>
    user([registered, mailed, { type: 'ActivationEmailSent', data: { tokenHash: H2, messageId: 'm2' } }])
      .when({ type: 'Activate', userId: 'u1', tokenHash: H1 })
      .then([{ type: 'UserActivated', data: {} }]));
  it('given an active user, when activating with its token again, then nothing', () =>
    user([registered, mailed, { type: 'UserActivated', data: {} }]).when({ type: 'Activate', userId: 'u1', tokenHash: H1 }).then([]));
  it('given no user, when activating, then not found', () =>
    user([]).when({ type: 'Activate', userId: 'u1', tokenHash: H1 }).thenRefuses(UserNotFoundError));
  it('events of unknown types are ignored; known types with bad data are refused loudly', () => {
    expect(userDecider.evolve(userDecider.initialState(), { type: 'SomethingNew', data: {} } as never)).toEqual({ status: 'unregistered' });
    expect(() => userDecider.evolve(userDecider.initialState(), { type: 'UserRegistered', data: { email: 3 } } as never)).toThrow(CorruptEventError);
  });
});

describe('EmailAddress decider', () => {
  const address = specOf(emailAddressDecider);
  const at = '2025-01-01T10:00:00.000Z';
  const reserved = { type: 'EmailReserved', data: { email: 'a@x.io', userId: 'u1', reservedAt: at } } as const;
  const reserve = (userId: string) => ({ type: 'Reserve', email: 'a@x.io', userId, reservedAt: at }) as const;

  it('given nothing, when reserving, then EmailReserved', () => address([]).when(reserve('u1')).then([reserved]));
  it('given a reservation by another user, when reserving, then email taken', () =>
    address([reserved]).when(reserve('u2')).thenRefuses(EmailTakenError));
  it('given a reservation by the same user, when reserving again, then nothing', () => address([reserved]).when(reserve('u1')).then([]));
  it('given a released reservation, when another user reserves, then EmailReserved', () =>
    address([reserved, { type: 'EmailReservationReleased', data: { userId: 'u1', reservedAt: at, reason: 'r' } }])
      .when(reserve('u2'))
      .then([{ type: 'EmailReserved', data: { email: 'a@x.io', userId: 'u2', reservedAt: at } }]));
  it('given a confirmed reservation, when another user reserves, then email taken', () =>
    address([reserved, { type: 'EmailReservationConfirmed', data: { userId: 'u1', reservedAt: at } }]).when(reserve('u2')).thenRefuses(EmailTakenError));
  it('given a reservation, when its user confirms, then confirmed (carrying the reservation time)', () =>
    address([reserved]).when({ type: 'Confirm', userId: 'u1' }).then([{ type: 'EmailReservationConfirmed', data: { userId: 'u1', reservedAt: at } }]));
  it('given a reservation, when another user confirms, then refused', () =>
    address([reserved]).when({ type: 'Confirm', userId: 'u2' }).thenRefuses(ReservationNotHeldError));
  it('given a reservation, when its user is released, then released; releasing again changes nothing', () => {
    const released = { type: 'EmailReservationReleased', data: { userId: 'u1', reservedAt: at, reason: 'r' } } as const;
    address([reserved]).when({ type: 'Release', userId: 'u1', reason: 'r' }).then([released]);
    address([reserved, released]).when({ type: 'Release', userId: 'u1', reason: 'r' }).then([]);
  });
  it('given a confirmed reservation, when releasing, then nothing', () =>
    address([reserved, { type: 'EmailReservationConfirmed', data: { userId: 'u1', reservedAt: at } }])
      .when({ type: 'Release', userId: 'u1', reason: 'r' })
      .then([]));
});

describe('Post decider', () => {
  const post = specOf(postDecider);
  const created = { type: 'PostCreated', data: { authorId: 'a', title: 't', body: 'b' } } as const;
  it('given nothing, when creating, then PostCreated', () =>
    post([]).when({ type: 'Create', postId: 'p', authorId: 'a', title: 't', body: 'b' }).then([created]));
  it('given a post, when creating it again, then refused', () =>
    post([created]).when({ type: 'Create', postId: 'p', authorId: 'a', title: 't', body: 'b' }).thenRefuses(AlreadyExistsError));
  it('given a post, when deleting, then PostDeleted; deleting again, nothing', () => {
    post([created]).when({ type: 'Delete', postId: 'p' }).then([{ type: 'PostDeleted', data: {} }]);
    post([created, { type: 'PostDeleted', data: {} }]).when({ type: 'Delete', postId: 'p' }).then([]);
  });
  it('given nothing, when deleting, then not found', () => post([]).when({ type: 'Delete', postId: 'p' }).thenRefuses(PostNotFoundError));
  it('comments are accepted on a post, refused on none (404) and on a deleted one (410)', () => {
    post([created]).when({ type: 'AcceptComment', postId: 'p' }).then([]);
    post([]).when({ type: 'AcceptComment', postId: 'p' }).thenRefuses(PostNotFoundError);
    post([created, { type: 'PostDeleted', data: {} }]).when({ type: 'AcceptComment', postId: 'p' }).thenRefuses(PostDeletedError);
  });
});

describe('Comment decider', () => {
  const comment = specOf(commentDecider);
  const add = { type: 'Add', commentId: 'c', postId: 'p', authorId: 'a', text: 'hi' } as const;
  it('given nothing, when adding, then CommentAdded carrying the post id', () =>
    comment([]).when(add).then([{ type: 'CommentAdded', data: { postId: 'p', authorId: 'a', text: 'hi' } }]));
  it('given the comment, when adding it again, then refused', () =>
    comment([{ type: 'CommentAdded', data: { postId: 'p', authorId: 'a', text: 'hi' } }]).when(add).thenRefuses(AlreadyExistsError));
});
