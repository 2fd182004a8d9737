import type { EventLogError } from '../core/index.ts';
import { problem, type ProblemMapper } from '../api/problem.ts';
import type { ApiResponse } from '../api/types.ts';
import {
  AlreadyExistsError,
  EmailTakenError,
  InvalidActivationTokenError,
  PostDeletedError,
  RegistrationAbandonedError,
  ReservationNotHeldError,
} from './errors.ts';

/** Problem responses of the domain's refusals; registered with the API by routes.ts. */
export const domainProblem: ProblemMapper = (error: EventLogError): ApiResponse | undefined => {
  if (error instanceof EmailTakenError) return problem(409, 'email-taken', 'Email address already registered', error.message);
  if (error instanceof InvalidActivationTokenError) return problem(400, 'invalid-activation-token', 'Invalid activation token', error.message);
  if (error instanceof PostDeletedError) return problem(410, 'post-deleted', 'Post deleted', error.message);
  if (error instanceof AlreadyExistsError) return problem(409, 'already-exists', 'Already exists', error.message);
  if (error instanceof ReservationNotHeldError) return problem(409, 'reservation-not-held', 'Email reservation lost', error.message);
  if (error instanceof RegistrationAbandonedError)
    return problem(503, 'registration-abandoned', 'Registration abandoned', error.message, {}, { 'retry-after': '1' });
  return undefined;
};
