import { randomUUID } from 'node:crypto';
import {
  ConcurrencyError,
  ERASED,
  handleCommand,
  loadAggregate,
  StoreUnavailableError,
  type EventEnvelope,
  type EventStore,
  type ReactorDefinition,
  type ReactorHandler,
  CircuitBreaker,
  CircuitOpenError,
  MailerUnavailableError,
  type Mail,
  type Mailer,
} from '../public/index.ts';
import { hashActivationToken, newActivationToken } from './activationToken.ts';
import { USER, userStream } from './streams.ts';
import { userDecider } from './user.ts';

// On `UserRegistered`, mail a one-time activation token, then record `ActivationEmailSent` (with the
// token's hash) in the user's stream. The record is what makes redelivery harmless: a user whose
// stream already has one gets no second mail. Sending comes before recording, so a crash between the
// two can mail twice (at least once, never zero times); every recorded token activates.

export const ACTIVATION_MAIL_REACTOR = 'activation-mail';

export interface CircuitSettings {
  failureThreshold: number;
  openMs: number;
}

export interface ActivationMailOptions {
  store: EventStore;
  mailer: Mailer;
  region: string;
  breaker?: CircuitSettings;
}

export const activationMailText = (input: { name: string; userId: string; token: string }): string =>
  [
    `Hello ${input.name},`,
    '',
    'please activate your account with this one-time token:',
    '',
    `    ${input.token}`,
    '',
    'Send it to the API:',
    '',
    `    POST /api/users/${input.userId}/activate`,
    `    {"token": "${input.token}"}`,
    '',
  ].join('\n');

const isMailerDown = (error: unknown): boolean => error instanceof MailerUnavailableError;

/** The reactor's handler, given what it works with. */
export const activationMailHandler = (options: ActivationMailOptions): ReactorHandler => {
  const breaker = new CircuitBreaker({
    name: `${ACTIVATION_MAIL_REACTOR} mailer`,
    failureThreshold: options.breaker?.failureThreshold ?? 5,
    openMs: options.breaker?.openMs ?? 30_000,
    isFailure: isMailerDown,
  });
  // The mail of the event being retried: retries of one attempt resend the same message (same id and
  // token), which the adapters turn into one mail (the outbox overwrites its file, ACS dedupes the operation).
  const inFlight = new Map<string, Mail & { token: string }>();

  const handle = async (event: EventEnvelope): Promise<void> => {
    if (event.type !== 'UserRegistered' || event.aggregateType !== USER) return;
    const userId = event.aggregateId;
    const stream = userStream(userId);
    const { state } = await loadAggregate(options.store, userDecider, stream);
    // An erased user gets no mail: their address reads "(erased)".
    if (state.status !== 'pending' || state.activationTokenHashes.length > 0 || state.email === ERASED) {
      inFlight.delete(event.id);
      return;
    }
    let mail = inFlight.get(event.id);
    if (mail === undefined) {
      const token = newActivationToken();
      mail = {
        messageId: randomUUID(),
        to: state.email,
        toName: state.name,
        subject: 'Activate your account',
        text: activationMailText({ name: state.name, userId, token }),
        token,
      };
      inFlight.set(event.id, mail);
    }
    const { token, ...message } = mail;
    await breaker.run(() => options.mailer.send(message));
    await handleCommand(
      options.store,
      userDecider,
      stream,
      { type: 'RecordActivationEmailSent', userId, tokenHash: hashActivationToken(token), messageId: message.messageId },
      { region: options.region, metadata: { causationId: event.id, ...(event.metadata.correlationId ? { correlationId: event.metadata.correlationId } : {}) } },
    );
    inFlight.delete(event.id);
  };

  return {
    handle,
    isTransient: (error) =>
      error instanceof MailerUnavailableError ||
      error instanceof CircuitOpenError ||
      error instanceof StoreUnavailableError ||
      error instanceof ConcurrencyError,
    status: () => ({ circuit: breaker.status(), mailer: options.mailer.kind }),
  };
};

/** The reactor as the reference domain declares it: the mailer is opened when a host starts it. */
export const activationMailReactor = (settings: { mailer: () => Mailer | Promise<Mailer>; breaker?: CircuitSettings }): ReactorDefinition => ({
  name: ACTIVATION_MAIL_REACTOR,
  eventTypes: ['UserRegistered'],
  start: async ({ store, region }) => activationMailHandler({ store, region, mailer: await settings.mailer(), breaker: settings.breaker }),
});
