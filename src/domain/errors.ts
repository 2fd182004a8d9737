import { EventLogError, NotFoundError } from '../core/index.ts';

// Refusals of the reference domain, each the problem it answers with (code = problem type).

export class EmailTakenError extends EventLogError {
  readonly code = 'email-taken';
  readonly status = 409;
  readonly title = 'Email address already registered';
  constructor(email: string) {
    super(`the email address ${email} is already registered`);
  }
}

/** The registration took so long that the reservation process gave it up; a retry starts afresh. */
export class RegistrationAbandonedError extends EventLogError {
  readonly code = 'registration-abandoned';
  readonly status = 503;
  readonly title = 'Registration abandoned';
  override readonly retryAfterSeconds = 1;
  constructor(userId: string) {
    super(`registration of user ${userId} took too long and was abandoned; please retry`);
  }
}

/** The email reservation is no longer this user's: a rule of the reservation was broken. */
export class ReservationNotHeldError extends EventLogError {
  readonly code = 'reservation-not-held';
  readonly status = 409;
  readonly title = 'Email reservation lost';
  constructor(userId: string) {
    super(`the email reservation is not held by user ${userId}`);
  }
}

export class AlreadyExistsError extends EventLogError {
  readonly code = 'already-exists';
  readonly status = 409;
  readonly title = 'Already exists';
}

export class UserNotFoundError extends NotFoundError {
  constructor(userId: string) {
    super(`no user ${userId}`);
  }
}

export class InvalidActivationTokenError extends EventLogError {
  readonly code = 'invalid-activation-token';
  readonly status = 400;
  readonly title = 'Invalid activation token';
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
  readonly status = 410;
  readonly title = 'Post deleted';
  constructor(postId: string) {
    super(`post ${postId} was deleted`);
  }
}
