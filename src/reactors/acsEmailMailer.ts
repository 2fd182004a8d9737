import type { TokenCredential } from '@azure/identity';
import { parseRetryAfter } from '../client/retry.ts';
import { Mail, MailerUnavailableError, MailRejectedError, type Mailer } from './mailer.ts';

// The production adapter: Azure Communication Services Email over its REST API
// (`POST {endpoint}/emails:send?api-version=2023-03-31`), authenticated with a Microsoft Entra token
// for `https://communication.azure.com/.default` (managed identity in Azure). A 202 means the
// service accepted the mail and will deliver it; delivery status is not awaited.

export const ACS_EMAIL_API_VERSION = '2023-03-31';
export const ACS_SCOPE = 'https://communication.azure.com/.default';
const DEFAULT_TIMEOUT_MS = 30_000;

export interface AcsEmailMailerOptions {
  /** The Communication Services resource, e.g. `https://my-resource.communication.azure.com`. */
  endpoint: string;
  /** A sender address of a domain connected to the resource. */
  senderAddress: string;
  credential: TokenCredential;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** The service's error message, from its `{error: {code, message}}` body when it sent one. */
const describe = async (response: Response): Promise<string> => {
  const text = await response.text().catch(() => '');
  try {
    const { error } = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (error?.message !== undefined) return `${response.status} ${error.code ?? ''}: ${error.message}`.replace(' :', ':');
  } catch {
    // not JSON: fall through to the raw text
  }
  return `${response.status} ${text.slice(0, 200)}`.trim();
};

export class AcsEmailMailer implements Mailer {
  readonly kind = 'acs';
  private readonly options: AcsEmailMailerOptions;
  private readonly url: string;

  constructor(options: AcsEmailMailerOptions) {
    this.options = options;
    this.url = `${options.endpoint.replace(/\/+$/, '')}/emails:send?api-version=${ACS_EMAIL_API_VERSION}`;
  }

  async send(input: Mail): Promise<void> {
    const mail = Mail.parse(input);
    let token: string;
    try {
      token = (await this.options.credential.getToken(ACS_SCOPE))?.token ?? '';
    } catch (error) {
      throw new MailerUnavailableError(`cannot get a token for Communication Services: ${(error as Error).message}`, { cause: error });
    }
    if (token === '') throw new MailerUnavailableError('the credential returned no token for Communication Services');

    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(this.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          // The caller's id for the send operation: a retry of the same attempt names the same operation.
          'operation-id': mail.messageId,
        },
        body: JSON.stringify({
          senderAddress: this.options.senderAddress,
          recipients: { to: [{ address: mail.to, ...(mail.toName === undefined ? {} : { displayName: mail.toName }) }] },
          content: { subject: mail.subject, plainText: mail.text },
        }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
    } catch (error) {
      throw new MailerUnavailableError(`Communication Services unreachable: ${(error as Error).message}`, { cause: error });
    }
    if (response.status === 202 || response.status === 200) {
      await response.body?.cancel();
      return;
    }
    const detail = await describe(response);
    if (response.status === 408 || response.status === 429 || response.status >= 500)
      throw new MailerUnavailableError(`Communication Services is unavailable: ${detail}`, { retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) });
    // 401/403: our identity or role assignment is wrong; that is the deployment's fault, not the mail's.
    if (response.status === 401 || response.status === 403)
      throw new MailerUnavailableError(`Communication Services refused our credentials: ${detail}`);
    throw new MailRejectedError(`Communication Services rejected the mail to ${mail.to}: ${detail}`);
  }
}
