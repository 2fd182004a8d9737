import { ProblemError, NotFoundError } from '../public/index.ts';

// Refusals of the reference domain, each the problem it answers with (code = problem type).

export class EmailTakenError extends ProblemError('email-taken', 409, 'Email address already registered') {
  constructor(email: string) {
    super(`the email address ${email} is already registered`);
  }
}

/** The registration took so long that the reservation process gave it up; a retry starts afresh. */
export class RegistrationAbandonedError extends ProblemError('registration-abandoned', 503, 'Registration abandoned') {
  override readonly retryAfterSeconds = 1;
  constructor(userId: string) {
    super(`registration of user ${userId} took too long and was abandoned; please retry`);
  }
}

/** The email reservation is no longer this user's: a rule of the reservation was broken. */
export class ReservationNotHeldError extends ProblemError('reservation-not-held', 409, 'Email reservation lost') {
  constructor(userId: string) {
    super(`the email reservation is not held by user ${userId}`);
  }
}

export class AlreadyExistsError extends ProblemError('already-exists', 409, 'Already exists') {}

export class UserNotFoundError extends NotFoundError {
  constructor(userId: string) {
    super(`no user ${userId}`);
  }
}

export class InvalidActivationTokenError extends ProblemError('invalid-activation-token', 400, 'Invalid activation token') {
  constructor(userId: string) {
    super(`the activation token is not valid for user ${userId}`);
  }
}

export class PostNotFoundError extends NotFoundError {
  constructor(postId: string) {
    super(`no post ${postId}`);
  }
}

export class PostDeletedError extends ProblemError('post-deleted', 410, 'Post deleted') {
  constructor(postId: string) {
    super(`post ${postId} was deleted`);
  }
}
