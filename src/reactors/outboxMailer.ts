import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Mail, MailerUnavailableError, type Mailer } from './mailer.ts';

// The local adapter: one RFC 5322 `.eml` file per mail under DATA_DIR/outbox, which any mail client
// (or a text editor) opens. Retries of one attempt reuse its message id and so overwrite its file.

/** No line breaks in a header: they would start a header of the sender's choosing. */
const flatten = (value: string): string => value.replace(/[\r\n]+/g, ' ');
const isPrintableAscii = (value: string): boolean => /^[\x20-\x7e]*$/.test(value);
const encodedWord = (value: string): string => `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;

/** Header text: flattened, non-ASCII as RFC 2047. */
const headerText = (value: string): string => {
  const flat = flatten(value);
  return isPrintableAscii(flat) ? flat : encodedWord(flat);
};

const mailbox = (address: string, name?: string): string => {
  if (name === undefined || name.trim() === '') return `<${address}>`;
  const flat = flatten(name);
  const display = isPrintableAscii(flat) ? `"${flat.replace(/["\\]/g, '\\$&')}"` : encodedWord(flat);
  return `${display} <${address}>`;
};

/** The message as a file: headers, a blank line, the UTF-8 text with CRLF line ends. */
export const formatEml = (mail: Mail, from: string, date: Date): string =>
  [
    `From: ${mailbox(from)}`,
    `To: ${mailbox(mail.to, mail.toName)}`,
    `Subject: ${headerText(mail.subject)}`,
    `Date: ${date.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${mail.messageId}@eventlog.local>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    mail.text.replace(/\r?\n/g, '\r\n'),
  ].join('\r\n');

export interface OutboxMailerOptions {
  /** Directory of the `.eml` files, created on first send. */
  dir: string;
  from: string;
  clock?: () => Date;
}

export class OutboxMailer implements Mailer {
  readonly kind = 'outbox';
  readonly dir: string;
  private readonly from: string;
  private readonly clock: () => Date;

  constructor(options: OutboxMailerOptions) {
    this.dir = options.dir;
    this.from = options.from;
    this.clock = options.clock ?? (() => new Date());
  }

  async send(input: Mail): Promise<void> {
    const mail = Mail.parse(input);
    const file = join(this.dir, `${mail.messageId}.eml`);
    try {
      await mkdir(this.dir, { recursive: true });
      // Written aside, then renamed: a reader never sees half a mail.
      await writeFile(`${file}.tmp`, formatEml(mail, this.from, this.clock()), 'utf8');
      await rename(`${file}.tmp`, file);
    } catch (error) {
      throw new MailerUnavailableError(`cannot write to the outbox ${this.dir}: ${(error as Error).message}`, { cause: error });
    }
  }
}
