import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { Mailer } from './mailer.ts';
import { OutboxMailer } from './outboxMailer.ts';

/** `DATA_DIR/outbox`: where the local mailer leaves one `.eml` file per mail. */
export const outboxDir = (dataDir: string): string => join(dataDir, 'outbox');

/** The mailer the configuration names; the Azure one loads its SDK only when chosen. */
export const openMailer = async (config: Config): Promise<Mailer> => {
  if (config.MAILER === 'outbox') return new OutboxMailer({ dir: outboxDir(config.DATA_DIR), from: config.MAIL_FROM });
  const [{ DefaultAzureCredential }, { AcsEmailMailer }] = await Promise.all([import('@azure/identity'), import('./acsEmailMailer.ts')]);
  return new AcsEmailMailer({ endpoint: config.ACS_ENDPOINT!, senderAddress: config.MAIL_FROM, credential: new DefaultAzureCredential() });
};
