import { z } from 'zod';
import { ProblemError } from '../core/index.ts';

/** A mail as the reactors compose it; the adapter adds the sender it is configured with. */
export const Mail = z.object({
  /** A UUID, stable across retries of one sending attempt: adapters use it to make retries idempotent. */
  messageId: z.uuid(),
  to: z.email(),
  toName: z.string().optional(),
  subject: z.string(),
  text: z.string(),
});
export type Mail = z.infer<typeof Mail>;

/** Sends mail. Throws MailerUnavailableError when trying again later may work, MailRejectedError when it cannot. */
export interface Mailer {
  readonly kind: string;
  send(mail: Mail): Promise<void>;
}

/** The mail service is down, throttling or unreachable: not this mail's fault, so retry it later. */
export class MailerUnavailableError extends ProblemError('mailer-unavailable', 503, 'Mail service unavailable') {
  /** The service's own hint, when it gave one. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: { retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The service refused this mail (bad recipient, too large): sending it again cannot succeed. */
export class MailRejectedError extends ProblemError('mail-rejected', 422, 'Mail rejected by the mail service') {}
