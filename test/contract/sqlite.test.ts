import { rmSync } from 'node:fs';
import { afterAll } from 'vitest';
import { SqliteEventStore } from '../../src/stores/sqlite/sqliteEventStore.ts';
import { tempDir } from '../support/http.ts';
import { describeEventStoreContract } from './eventStoreContract.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describeEventStoreContract('sqlite', async () => {
  const dir = tempDir();
  dirs.push(dir);
  return new SqliteEventStore({ dataDir: dir });
});
