import { EventLogError, NotFoundError } from '../core/index.ts';

// Refusals of the reference domain. Each maps to one problem type (see routes.ts); NotFoundError
// subclasses are 404s through the product's own mapping.

export class EmailTakenError extends EventLogError {
  readonly code = 'email-taken';
  constructor(email: string) {
    super(`the email address ${email} is already registered`);
  }
}

/** The registration took so long that the reservation process gave it up; a retry starts afresh. */
export class RegistrationAbandonedError extends EventLogError {
  readonly code = 'registration-abandoned';
  constructor(userId: string) {
    super(`registration of user ${userId} took too long and was abandoned; please retry`);
  }
}

/** The email reservation is no longer this user's: a rule of the reservation was broken. */
export class ReservationNotHeldError extends EventLogError {
  readonly code = 'reservation-not-held';
  constructor(userId: string) {
    super(`the email reservation is not held by user ${userId}`);
  }
}

export class AlreadyExistsError extends EventLogError {
  readonly code = 'already-exists';
}

export class UserNotFoundError extends NotFoundError {
  constructor(userId: string) {
    super(`no user ${userId}`);
  }
}

export class InvalidActivationTokenError extends EventLogError {
  readonly code = 'invalid-activation-token';
  constructor(userId: string) {
    super(`the activation token is not valid for user ${userId}`);
  }
}

export class PostNotFoundError extends NotFoundError {
  constructor(postId: string) {
    super(`no post ${postId}`);
  }
}

export class PostDeletedError extends EventLogError {
  readonly code = 'post-deleted';
  constructor(postId: string) {
    super(`post ${postId} was deleted`);
  }
}
