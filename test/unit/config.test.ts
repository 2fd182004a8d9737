import { describe, expect, it } from 'vitest';
import { checkFunctionsHostConfig, ConfigError, loadConfig } from '../../src/config.ts';

describe('configuration', () => {
  it('defaults to the embedded store on port 7071 in region local', () => {
    expect(loadConfig({})).toMatchObject({ EVENT_STORE: 'sqlite', DATA_DIR: '.data', PORT: 7071, REGION: 'local', COSMOS_DATABASE: 'eventlog' });
  });

  it('treats empty values as unset', () => {
    const config = loadConfig({ PORT: '', API_KEY: '' });
    expect(config.PORT).toBe(7071);
    expect(config.API_KEY).toBeUndefined();
  });

  it.each([
    [{ PORT: 'eighty' }, /^Invalid configuration: PORT .*\(got "eighty"\)$/],
    [{ PORT: '70000' }, /^Invalid configuration: PORT /],
    [{ EVENT_STORE: 'postgres' }, /^Invalid configuration: EVENT_STORE .*\(got "postgres"\)$/],
    [{ REGION: 'West Europe' }, /^Invalid configuration: REGION /],
    [{ EVENT_STORE: 'cosmos' }, /^Invalid configuration: COSMOS__accountEndpoint /],
    [{ EVENT_STORE: 'cosmos', COSMOS_ENDPOINT: 'https://127.0.0.1:8081' }, /^Invalid configuration: COSMOS_KEY /],
    [{ COSMOS__accountEndpoint: 'not a url' }, /^Invalid configuration: COSMOS__accountEndpoint /],
    [{ EVENT_STORE: 'cosmos', COSMOS_ENDPOINT: 'https://127.0.0.1:8081', COSMOS_KEY: 'k', VIEWS_ENDPOINT: 'https://127.0.0.1:8082' }, /^Invalid configuration: VIEWS_KEY /],
    [
      { EVENT_STORE: 'cosmos', COSMOS_ENDPOINT: 'https://127.0.0.1:8081', COSMOS_KEY: 'k', VIEWS_ENDPOINT: 'https://127.0.0.1:8082', VIEWS_KEY: 'k', VIEWS__accountEndpoint: 'https://views.documents.azure.com' },
      /^Invalid configuration: VIEWS_ENDPOINT and VIEWS__accountEndpoint are both set/,
    ],
    [{ SUBJECT_KEY_STORE: 'keyvault' }, /^Invalid configuration: KEY_VAULT_URL is required when SUBJECT_KEY_STORE=keyvault$/],
    [{ SUBJECT_KEY_STORE: 'file' }, /^Invalid configuration: SUBJECT_KEY_STORE .*\(got "file"\)$/],
    [{ KEY_VAULT_URL: 'http://my-vault.vault.azure.net/' }, /^Invalid configuration: KEY_VAULT_URL must be the https URL of a Key Vault/],
  ])('%j fails with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
    try {
      loadConfig(env);
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('keeps subject keys in the vault when KEY_VAULT_URL is set, else beside the store', () => {
    expect(loadConfig({}).SUBJECT_KEY_STORE).toBe('sqlite');
    expect(loadConfig({ EVENT_STORE: 'memory' }).SUBJECT_KEY_STORE).toBe('memory');
    expect(loadConfig({ KEY_VAULT_URL: 'https://my-vault.vault.azure.net/' }).SUBJECT_KEY_STORE).toBe('keyvault');
    expect(loadConfig({ EVENT_STORE: 'cosmos', COSMOS__accountEndpoint: 'https://a.documents.azure.com' }).SUBJECT_KEY_STORE).toBe('sqlite');
    expect(loadConfig({ KEY_VAULT_URL: 'https://my-vault.vault.azure.net/', SUBJECT_KEY_STORE: 'sqlite' }).SUBJECT_KEY_STORE).toBe('sqlite');
  });

  it('refuses the Functions host on Cosmos DB without the vault, unless the key store is chosen on purpose', () => {
    const cosmos = { EVENT_STORE: 'cosmos', COSMOS__accountEndpoint: 'https://a.documents.azure.com' };
    expect(() => checkFunctionsHostConfig(loadConfig(cosmos), cosmos)).toThrow(/^Invalid configuration: KEY_VAULT_URL is required with EVENT_STORE=cosmos in the Functions host/);
    const vault = { ...cosmos, KEY_VAULT_URL: 'https://v.vault.azure.net/' };
    expect(checkFunctionsHostConfig(loadConfig(vault), vault).SUBJECT_KEY_STORE).toBe('keyvault');
    const chosen = { ...cosmos, SUBJECT_KEY_STORE: 'sqlite' };
    expect(checkFunctionsHostConfig(loadConfig(chosen), chosen).SUBJECT_KEY_STORE).toBe('sqlite');
    expect(checkFunctionsHostConfig(loadConfig({}), {}).SUBJECT_KEY_STORE).toBe('sqlite');
  });
});
