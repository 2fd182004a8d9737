import { createHash } from 'node:crypto';
import { StoreUnavailableError, SUBJECT_KEY_BYTES, type SubjectKey, type SubjectKeyStore } from '../../core/index.ts';

// Subject keys as Azure Key Vault secrets, one secret per subject, reached with the app's managed
// identity (Key Vault Secrets Officer on the vault, infra/modules/key-vault.bicep). Every value records
// the secret version that sealed it, so two instances creating a subject's first key at once (two
// versions) both stay readable. Erasure deletes the secret, which removes all its versions, then purges
// it, so it is not kept for soft-delete recovery:
// https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview

/** The part of `SecretClient` (@azure/keyvault-secrets) the adapter uses; tests pass a double of it. */
export interface SecretsClient {
  getSecret(name: string, options?: { version?: string }): Promise<{ value?: string; properties: { version?: string } }>;
  setSecret(name: string, value: string, options?: { contentType?: string }): Promise<{ properties: { version?: string } }>;
  beginDeleteSecret(name: string): Promise<{ pollUntilDone(): Promise<unknown> }>;
  purgeDeletedSecret(name: string): Promise<unknown>;
}

const CONTENT_TYPE = 'application/vnd.eventlog.subject-key';

/**
 * Secret names allow only letters, digits and `-` (https://learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates#objects-identifiers-and-versioning):
 * the subject id is hashed, which also keeps it out of the vault's names.
 */
export const secretNameOf = (subjectId: string): string => `subject-${createHash('sha256').update(subjectId, 'utf8').digest('hex')}`;

const statusOf = (error: unknown): number | undefined =>
  typeof error === 'object' && error !== null && typeof (error as { statusCode?: unknown }).statusCode === 'number'
    ? (error as { statusCode: number }).statusCode
    : undefined;

/** Failures that are not "no such secret" are the key store being unavailable (the caller answers 503); the message never holds a key. */
const unavailable = (what: string, error: unknown): StoreUnavailableError =>
  new StoreUnavailableError(`Key Vault ${what} failed${statusOf(error) === undefined ? '' : ` (HTTP ${statusOf(error)})`}: ${error instanceof Error ? error.message : String(error)}`, 1, { cause: error });

const decodeKey = (value: string | undefined): Uint8Array => {
  const key = Buffer.from(value ?? '', 'base64');
  if (key.length !== SUBJECT_KEY_BYTES) throw new StoreUnavailableError(`a subject key secret does not hold ${SUBJECT_KEY_BYTES} bytes`);
  return new Uint8Array(key);
};

export class KeyVaultSubjectKeyStore implements SubjectKeyStore {
  readonly kind = 'keyvault';
  private readonly client: SecretsClient;

  constructor(client: SecretsClient) {
    this.client = client;
  }

  private async read(subjectId: string, version?: string): Promise<SubjectKey | undefined> {
    try {
      const secret = await this.client.getSecret(secretNameOf(subjectId), version === undefined ? {} : { version });
      return { version: secret.properties.version ?? '', key: decodeKey(secret.value) };
    } catch (error) {
      // 404: never created, or deleted by an erasure (a deleted secret cannot be read).
      if (statusOf(error) === 404) return undefined;
      throw error instanceof StoreUnavailableError ? error : unavailable('read', error);
    }
  }

  current(subjectId: string): Promise<SubjectKey | undefined> {
    return this.read(subjectId);
  }

  async create(subjectId: string, candidate: Uint8Array): Promise<SubjectKey> {
    const existing = await this.read(subjectId);
    if (existing !== undefined) return existing;
    try {
      const secret = await this.client.setSecret(secretNameOf(subjectId), Buffer.from(candidate).toString('base64'), { contentType: CONTENT_TYPE });
      if (secret.properties.version === undefined) throw new Error('the vault answered no secret version');
      return { version: secret.properties.version, key: candidate.slice() };
    } catch (error) {
      throw unavailable('create', error);
    }
  }

  async find(subjectId: string, version: string): Promise<Uint8Array | undefined> {
    return (await this.read(subjectId, version))?.key;
  }

  async erase(subjectId: string): Promise<boolean> {
    const name = secretNameOf(subjectId);
    let deleted = true;
    try {
      await (await this.client.beginDeleteSecret(name)).pollUntilDone();
    } catch (error) {
      if (statusOf(error) !== 404) throw unavailable('delete', error);
      deleted = false;
    }
    try {
      // Also when the delete found nothing: an earlier erasure may have deleted the key and failed to purge it.
      await this.client.purgeDeletedSecret(name);
    } catch (error) {
      if (!deleted && statusOf(error) === 404) return false;
      // Deleted (no reader gets it any more), but kept until the vault's retention ends unless purged.
      throw unavailable('purge of the deleted key', error);
    }
    return true;
  }

  async close(): Promise<void> {}
}

/** The vault at `vaultUrl`, with the app's identity (DefaultAzureCredential: the managed identity in Azure). */
export const openKeyVaultSubjectKeyStore = async (vaultUrl: string): Promise<KeyVaultSubjectKeyStore> => {
  const [{ SecretClient }, { DefaultAzureCredential }] = await Promise.all([import('@azure/keyvault-secrets'), import('@azure/identity')]);
  return new KeyVaultSubjectKeyStore(new SecretClient(vaultUrl, new DefaultAzureCredential()));
};
