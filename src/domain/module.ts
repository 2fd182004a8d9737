import { defineAggregate, type AppModule, type TimerDefinition, type Mailer } from '../public/index.ts';
import { activationMailReactor, type CircuitSettings } from './activationMail.ts';
import { CommentEvents, commentDecider } from './comment.ts';
import { EmailAddressEvents, EmailAddressPersonalData, emailAddressDecider } from './emailAddress.ts';
import { freeEmailOfErasedUser } from './erasure.ts';
import {
  activateUserHandler,
  addCommentHandler,
  createPostHandler,
  deletePostHandler,
  registerUserHandler,
  type RegistrationSettings,
} from './handlers.ts';
import { domainOperations } from './openapi.ts';
import { PostEvents, postDecider } from './post.ts';
import { domainProjections } from './projections.ts';
import { emailAddressPolicy } from './reconciliation.ts';
import { sweepAbandonedReservations } from './reservationSweeper.ts';
import { COMMENT, EMAIL_ADDRESS, POST, USER } from './streams.ts';
import { UserEvents, UserPersonalData, userDecider } from './user.ts';

// The reference domain (users with unique emails and an activation mail, posts with comments) as one
// module of the app: everything it adds, as data. The product's composition (src/product.ts) adds it.

export interface ReferenceDomainSettings extends RegistrationSettings {
  /** Opened when a host starts the activation mail reactor. */
  mailer: () => Mailer | Promise<Mailer>;
  breaker?: CircuitSettings;
  /** How often the local host sweeps abandoned email reservations (Azure: every minute). */
  sweepIntervalMs: number;
}

const reservationSweep = (settings: ReferenceDomainSettings): TimerDefinition => ({
  name: 'sweep-email-reservations',
  schedule: '0 * * * * *',
  intervalMs: settings.sweepIntervalMs,
  // It writes to the log on the registrations' behalf: one region is enough, like the mail.
  sideEffects: true,
  run: async ({ store, consumers, region }) => {
    const report = await sweepAbandonedReservations({ store, consumers, region, reservationTimeoutMs: settings.reservationTimeoutMs, now: settings.now });
    if (report.failed > 0) return { level: 'warn', message: 'email reservation sweep left some for the next run', fields: { ...report } };
    if (report.confirmed + report.released > 0) return { level: 'info', message: 'email reservations swept', fields: { ...report } };
    return undefined;
  },
});

export const referenceDomain = (settings: ReferenceDomainSettings): AppModule => ({
  name: 'reference-domain',
  routes: [
    { name: 'registerUser', method: 'POST', route: 'users', authLevel: 'function', handle: registerUserHandler(settings), doc: domainOperations.registerUser },
    { name: 'activateUser', method: 'POST', route: 'users/{userId}/activate', authLevel: 'function', handle: activateUserHandler, doc: domainOperations.activateUser },
    { name: 'createPost', method: 'POST', route: 'posts', authLevel: 'function', handle: createPostHandler, doc: domainOperations.createPost },
    { name: 'addComment', method: 'POST', route: 'posts/{postId}/comments', authLevel: 'function', handle: addCommentHandler, doc: domainOperations.addComment },
    { name: 'deletePost', method: 'DELETE', route: 'posts/{postId}', authLevel: 'function', handle: deletePostHandler, doc: domainOperations.deletePost },
  ],
  aggregates: [
    // Raw appends (docs/decisions.md, "Hostile input"): a user's registration is bound to its email
    // reservation and its activation to a mail really sent, so both are written by commands only; posts
    // and comments keep no invariant across streams that their views do not already converge on.
    // Their command routes are the module's own `routes` above: their answers are part of the HTTP contract.
    defineAggregate({ aggregateType: USER, decider: userDecider, events: UserEvents, rawAppend: 'commands-only', personalData: UserPersonalData }),
    defineAggregate({
      aggregateType: EMAIL_ADDRESS,
      decider: emailAddressDecider,
      events: EmailAddressEvents,
      rawAppend: 'commands-only',
      personalData: EmailAddressPersonalData,
    }),
    defineAggregate({ aggregateType: POST, decider: postDecider, events: PostEvents, rawAppend: 'validated' }),
    defineAggregate({ aggregateType: COMMENT, decider: commentDecider, events: CommentEvents, rawAppend: 'validated' }),
  ],
  projections: domainProjections,
  reactors: [activationMailReactor(settings)],
  timers: [reservationSweep(settings)],
  reconciliation: { [EMAIL_ADDRESS]: emailAddressPolicy },
  beforeErasure: freeEmailOfErasedUser,
});
