import { rmSync } from 'node:fs';
import { afterAll } from 'vitest';
import { SqliteProjectionStorage } from '../../src/stores/sqlite/sqliteProjectionStorage.ts';
import { tempDir } from '../support/http.ts';
import { describeViewStoreContract } from './viewStoreContract.ts';

const dataDir = tempDir('eventlog-views-');
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

// One file for the whole suite: the contract's names are unique per test, as in a shared store.
describeViewStoreContract('sqlite', async () => new SqliteProjectionStorage({ dataDir, region: 'contract' }));
