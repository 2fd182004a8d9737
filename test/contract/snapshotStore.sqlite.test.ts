import { rmSync } from 'node:fs';
import { afterAll } from 'vitest';
import { SqliteSnapshotStore } from '../../src/stores/sqlite/sqliteSnapshotStore.ts';
import { tempDir } from '../support/http.ts';
import { describeSnapshotStoreContract } from './snapshotStoreContract.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describeSnapshotStoreContract('sqlite', async () => {
  const dir = tempDir();
  dirs.push(dir);
  return new SqliteSnapshotStore({ dataDir: dir });
});
