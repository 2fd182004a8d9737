import type { Config } from '../config.ts';
import type { SubjectKeyStore } from '../core/index.ts';
import { MemorySubjectKeyStore } from './memory/memorySubjectKeyStore.ts';
import { SqliteSubjectKeyStore } from './sqlite/sqliteSubjectKeyStore.ts';

/** The key store of personal data the configuration names (SUBJECT_KEY_STORE, defaulted in config.ts). */
export const openSubjectKeyStore = async (config: Config): Promise<SubjectKeyStore> => {
  switch (config.SUBJECT_KEY_STORE) {
    case 'memory':
      return new MemorySubjectKeyStore();
    case 'sqlite':
      return new SqliteSubjectKeyStore({ dataDir: config.DATA_DIR });
    case 'keyvault': {
      // Loaded on demand, so the embedded stores never load the Key Vault SDK.
      const { openKeyVaultSubjectKeyStore } = await import('./keyvault/keyVaultSubjectKeyStore.ts');
      return openKeyVaultSubjectKeyStore(config.KEY_VAULT_URL!);
    }
  }
};
