import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { afterEach, describe, expect, it } from 'vitest';
import { ACS_EMAIL_API_VERSION, ACS_SCOPE, AcsEmailMailer } from '../../src/reactors/acsEmailMailer.ts';
import { MailerUnavailableError, MailRejectedError, type Mail } from '../../src/reactors/mailer.ts';
import { formatEml, OutboxMailer } from '../../src/reactors/outboxMailer.ts';
import { tempDir } from '../support/http.ts';

const mail: Mail = {
  messageId: '7d3c5a3e-6b1f-4c55-9d7e-0f7e2a1b9c11',
  to: 'ada@example.com',
  toName: 'Ada Lovelace',
  subject: 'Activate your account',
  text: 'Hello\nline two',
};

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((c) => c()));
});

describe('outbox mailer', () => {
  it('writes one .eml file per mail under the outbox directory, and a retry of the same message overwrites it', async () => {
    const root = tempDir();
    cleanup.push(() => rm(root, { recursive: true, force: true }));
    const dir = join(root, 'outbox');
    const mailer = new OutboxMailer({ dir, from: 'no-reply@eventlog.invalid', clock: () => new Date('2025-01-02T03:04:05Z') });
    await mailer.send(mail);
    await mailer.send(mail);
    await mailer.send({ ...mail, messageId: '0f0e2a1b-9c11-4c55-9d7e-7d3c5a3e6b1f', to: 'b@example.com' });
    expect((await readdir(dir)).sort()).toEqual([`0f0e2a1b-9c11-4c55-9d7e-7d3c5a3e6b1f.eml`, `${mail.messageId}.eml`]);
    const text = await readFile(join(dir, `${mail.messageId}.eml`), 'utf8');
    expect(text).toBe(
      [
        'From: <no-reply@eventlog.invalid>',
        'To: "Ada Lovelace" <ada@example.com>',
        'Subject: Activate your account',
        'Date: Thu, 02 Jan 2025 03:04:05 +0000',
        `Message-ID: <${mail.messageId}@eventlog.local>`,
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
        '',
        'Hello\r\nline two',
      ].join('\r\n'),
    );
  });

  it('cannot be made to write headers of the sender\'s choosing; non-ASCII names are encoded', () => {
    const eml = formatEml({ ...mail, toName: 'Eve\r\nBcc: victim@example.com', subject: 'Grüße' }, 'a@b.c', new Date(0));
    expect(eml.split('\r\n').filter((line) => line.startsWith('Bcc:'))).toEqual([]);
    expect(eml).toContain(`Subject: =?UTF-8?B?${Buffer.from('Grüße').toString('base64')}?=`);
    expect(formatEml({ ...mail, toName: 'Zoë "Z"' }, 'a@b.c', new Date(0))).toContain(`To: =?UTF-8?B?${Buffer.from('Zoë "Z"').toString('base64')}?= <ada@example.com>`);
    expect(formatEml({ ...mail, toName: 'A "Q" \\ B' }, 'a@b.c', new Date(0))).toContain('To: "A \\"Q\\" \\\\ B" <ada@example.com>');
  });

  it('a directory it cannot write to is the mailer being unavailable', async () => {
    const dir = tempDir();
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'not-a-dir');
    await import('node:fs/promises').then((fs) => fs.writeFile(file, 'x'));
    await expect(new OutboxMailer({ dir: file, from: 'a@b.c' }).send(mail)).rejects.toBeInstanceOf(MailerUnavailableError);
  });
});

describe('Azure Communication Services mailer', () => {
  interface Seen {
    method: string;
    url: string;
    headers: IncomingMessage['headers'];
    body: unknown;
  }

  /** A loopback stand-in for the Email REST API answering each request as `answer` says. */
  const fakeAcs = async (answer: (seen: Seen) => { status: number; headers?: Record<string, string>; body?: unknown }) => {
    const seen: Seen[] = [];
    const server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        const request = { method: req.method!, url: req.url!, headers: req.headers, body: raw ? JSON.parse(raw) : undefined };
        seen.push(request);
        const { status, headers, body } = answer(request);
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(body === undefined ? '' : JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => server.close(resolve)));
    return { seen, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
  };

  const scopes: string[][] = [];
  const credential: TokenCredential = {
    getToken: async (scope) => {
      scopes.push([scope].flat());
      return { token: 'entra-token', expiresOnTimestamp: Date.now() + 3_600_000 } satisfies AccessToken;
    },
  };

  it('sends the documented request with a bearer token for the Communication Services scope; 202 is sent', async () => {
    const acs = await fakeAcs(() => ({ status: 202, headers: { 'operation-location': 'x' }, body: { id: mail.messageId, status: 'Running' } }));
    await new AcsEmailMailer({ endpoint: acs.endpoint, senderAddress: 'DoNotReply@contoso.com', credential }).send(mail);
    expect(scopes.at(-1)).toEqual([ACS_SCOPE]);
    expect(acs.seen).toHaveLength(1);
    const [request] = acs.seen;
    expect(request).toMatchObject({ method: 'POST', url: `/emails:send?api-version=${ACS_EMAIL_API_VERSION}` });
    expect(request!.headers).toMatchObject({ authorization: 'Bearer entra-token', 'operation-id': mail.messageId, 'content-type': 'application/json' });
    expect(request!.body).toEqual({
      senderAddress: 'DoNotReply@contoso.com',
      recipients: { to: [{ address: 'ada@example.com', displayName: 'Ada Lovelace' }] },
      content: { subject: 'Activate your account', plainText: 'Hello\nline two' },
    });
  });

  it('throttling and server errors are the service being unavailable, with its Retry-After hint', async () => {
    const acs = await fakeAcs(() => (acs.seen.length === 1 ? { status: 429, headers: { 'retry-after': '7' }, body: { error: { code: 'TooManyRequests', message: 'slow down' } } } : { status: 503 }));
    const mailer = new AcsEmailMailer({ endpoint: acs.endpoint, senderAddress: 's@contoso.com', credential });
    const throttled = await mailer.send(mail).catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(MailerUnavailableError);
    expect(throttled).toMatchObject({ retryAfterMs: 7_000, message: expect.stringContaining('slow down') });
    await expect(mailer.send(mail)).rejects.toBeInstanceOf(MailerUnavailableError);
  });

  it('a mail the service refuses is rejected for good; refused credentials are the deployment\'s fault, so retried', async () => {
    const acs = await fakeAcs(() => (acs.seen.length === 1 ? { status: 400, body: { error: { code: 'InvalidRecipient', message: 'bad address' } } } : { status: 401 }));
    const mailer = new AcsEmailMailer({ endpoint: acs.endpoint, senderAddress: 's@contoso.com', credential });
    await expect(mailer.send(mail)).rejects.toThrow(MailRejectedError);
    await expect(mailer.send(mail)).rejects.toBeInstanceOf(MailerUnavailableError);
  });

  it('an unreachable service or a failing credential is the mailer being unavailable', async () => {
    const acs = await fakeAcs(() => ({ status: 202 }));
    await cleanup.pop()!();
    await expect(new AcsEmailMailer({ endpoint: acs.endpoint, senderAddress: 's@contoso.com', credential }).send(mail)).rejects.toBeInstanceOf(MailerUnavailableError);
    const broken: TokenCredential = { getToken: async () => Promise.reject(new Error('no identity')) };
    await expect(new AcsEmailMailer({ endpoint: 'http://127.0.0.1:9/', senderAddress: 's@contoso.com', credential: broken }).send(mail)).rejects.toThrow(/no identity/);
  });
});
