import { randomUUID } from 'node:crypto';
import type { SecretsClient } from '../../src/stores/keyvault/keyVaultSubjectKeyStore.ts';

// A double of the Key Vault secrets API, as far as the subject key store uses it, with the service's
// documented behaviour: every set makes a new version; a deleted secret reads as 404 and cannot be set
// again (409) until purged (https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview).

class RestErrorDouble extends Error {
  readonly statusCode: number;
  constructor(statusCode: number, message: string) {
    super(message);
    this.statusCode = statusCode;
  }
}

interface Secret {
  versions: Map<string, string>;
  latest: string;
  deleted: boolean;
}

export class KeyVaultDouble implements SecretsClient {
  readonly secrets = new Map<string, Secret>();
  /** Makes every call fail as the service does when it throttles or is down. */
  failWith: number | undefined;

  private check(): void {
    if (this.failWith !== undefined) throw new RestErrorDouble(this.failWith, `service answered ${this.failWith}`);
  }

  async getSecret(name: string, options: { version?: string } = {}) {
    this.check();
    const secret = this.secrets.get(name);
    const version = options.version ?? secret?.latest;
    const value = secret === undefined || secret.deleted || version === undefined ? undefined : secret.versions.get(version);
    if (value === undefined) throw new RestErrorDouble(404, `A secret with (name/id) ${name} was not found in this key vault`);
    return { value, properties: { version } };
  }

  async setSecret(name: string, value: string) {
    this.check();
    const secret = this.secrets.get(name) ?? { versions: new Map<string, string>(), latest: '', deleted: false };
    if (secret.deleted) throw new RestErrorDouble(409, `Secret ${name} is currently in a deleted but recoverable state`);
    const version = randomUUID().replaceAll('-', '');
    secret.versions.set(version, value);
    secret.latest = version;
    this.secrets.set(name, secret);
    return { properties: { version } };
  }

  async beginDeleteSecret(name: string) {
    this.check();
    const secret = this.secrets.get(name);
    if (secret === undefined || secret.deleted) throw new RestErrorDouble(404, `A secret with (name/id) ${name} was not found in this key vault`);
    secret.deleted = true;
    return { pollUntilDone: async () => ({ name }) };
  }

  /** Makes the next purges fail as a vault with purge protection answers them (403). */
  purgeRefusals = 0;

  async purgeDeletedSecret(name: string) {
    this.check();
    if (this.purgeRefusals > 0) {
      this.purgeRefusals--;
      throw new RestErrorDouble(403, `Operation "purge" is not enabled for this vault`);
    }
    if (this.secrets.get(name)?.deleted !== true) throw new RestErrorDouble(404, `Deleted secret ${name} not found`);
    this.secrets.delete(name);
  }

  /** Every value the vault still holds, deleted or not (what a purge must remove). */
  allValues(): string[] {
    return [...this.secrets.values()].flatMap((secret) => [...secret.versions.values()]);
  }
}
