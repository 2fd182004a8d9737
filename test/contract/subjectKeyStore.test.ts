import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newSubjectKey, StoreUnavailableError } from '../../src/core/index.ts';
import { KeyVaultSubjectKeyStore, secretNameOf } from '../../src/stores/keyvault/keyVaultSubjectKeyStore.ts';
import { MemorySubjectKeyStore } from '../../src/stores/memory/memorySubjectKeyStore.ts';
import { SqliteSubjectKeyStore } from '../../src/stores/sqlite/sqliteSubjectKeyStore.ts';
import { tempDir } from '../support/http.ts';
import { KeyVaultDouble } from '../support/keyVaultDouble.ts';
import { describeSubjectKeyStoreContract } from './subjectKeyStoreContract.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const freshDir = (): string => {
  const dir = tempDir();
  dirs.push(dir);
  return dir;
};

describeSubjectKeyStoreContract('memory', async () => new MemorySubjectKeyStore());
describeSubjectKeyStoreContract('sqlite', async () => new SqliteSubjectKeyStore({ dataDir: freshDir() }));
// Key Vault through a double of its secrets API (test/support/keyVaultDouble.ts), not a live vault.
describeSubjectKeyStoreContract('keyvault (double)', async () => new KeyVaultSubjectKeyStore(new KeyVaultDouble()));

const filesOf = (dir: string): Buffer[] => readdirSync(dir).map((name) => readFileSync(join(dir, name)));

describe('the SQLite subject key store', () => {
  it('leaves no byte of an erased key in its files, write-ahead log included', async () => {
    const dir = freshDir();
    const store = new SqliteSubjectKeyStore({ dataDir: dir });
    const keys = await Promise.all(Array.from({ length: 20 }, (_, i) => store.create(`subject-${i}`, newSubjectKey())));
    const erased = Buffer.from(keys[7]!.key);
    expect(filesOf(dir).some((bytes) => bytes.includes(erased)), 'the key is on disk before erasure').toBe(true);
    await store.erase('subject-7');
    expect(readdirSync(dir).some((name) => name.endsWith('-wal'))).toBe(true);
    expect(filesOf(dir).some((bytes) => bytes.includes(erased))).toBe(false);
    expect(filesOf(dir).some((bytes) => bytes.includes(Buffer.from(keys[8]!.key)))).toBe(true);
    await store.close();
  });

  it('keeps its keys across a reopen', async () => {
    const dir = freshDir();
    const first = new SqliteSubjectKeyStore({ dataDir: dir });
    const key = await first.create('s', newSubjectKey());
    await first.close();
    const second = new SqliteSubjectKeyStore({ dataDir: dir });
    expect(Buffer.from((await second.current('s'))!.key).equals(Buffer.from(key.key))).toBe(true);
    await second.close();
  });
});

describe('the Key Vault subject key store', () => {
  it('names secrets by a digest of the subject, so the vault holds no subject id', async () => {
    const vault = new KeyVaultDouble();
    await new KeyVaultSubjectKeyStore(vault).create('user@example.com', newSubjectKey());
    expect([...vault.secrets.keys()]).toEqual([secretNameOf('user@example.com')]);
    expect(secretNameOf('user@example.com')).toMatch(/^subject-[0-9a-f]{64}$/);
  });

  it('purges an erased key: the vault keeps no version of it for recovery', async () => {
    const vault = new KeyVaultDouble();
    const store = new KeyVaultSubjectKeyStore(vault);
    const key = await store.create('s', newSubjectKey());
    await store.erase('s');
    expect(vault.allValues()).not.toContain(Buffer.from(key.key).toString('base64'));
    expect(vault.secrets.size).toBe(0);
  });

  it('finishes on the next erase a purge that failed after the delete', async () => {
    const vault = new KeyVaultDouble();
    const store = new KeyVaultSubjectKeyStore(vault);
    await store.create('s', newSubjectKey());
    vault.purgeRefusals = 1;
    await expect(store.erase('s')).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await store.current('s')).toBeUndefined();
    expect(vault.secrets.size, 'deleted, not purged').toBe(1);
    expect(await store.erase('s')).toBe(true);
    expect(vault.secrets.size).toBe(0);
    expect(await store.erase('s')).toBe(false);
  });

  it('answers an unavailable vault as the store being unavailable, naming the status and never the key', async () => {
    const vault = new KeyVaultDouble();
    const store = new KeyVaultSubjectKeyStore(vault);
    const key = await store.create('s', newSubjectKey());
    vault.failWith = 429;
    const error = await store.find('s', key.version).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toContain('429');
    expect((error as Error).message).not.toContain(Buffer.from(key.key).toString('base64'));
    await expect(store.create('t', newSubjectKey())).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.erase('s')).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
