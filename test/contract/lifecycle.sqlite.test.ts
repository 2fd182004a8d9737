import { readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll } from 'vitest';
import { globalLogReplay } from '../../src/consumers/globalLogReplay.ts';
import { DirectoryColdStorage } from '../../src/stores/archive/directoryColdStorage.ts';
import { SqliteEventStore } from '../../src/stores/sqlite/sqliteEventStore.ts';
import { tempDir } from '../support/http.ts';
import { describeLifecycleContract } from './lifecycleContract.ts';

const dirs: string[] = [];
const stores: SqliteEventStore[] = [];
afterAll(async () => {
  for (const store of stores) await store.close();
  dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
});

const filesUnder = (root: string, dir = root): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(root, join(dir, entry.name)) : [relative(root, join(dir, entry.name)).split('\\').join('/')],
  );

describeLifecycleContract('sqlite with a directory archive', async () => {
  const dir = tempDir();
  dirs.push(dir);
  const store = new SqliteEventStore({ dataDir: dir });
  stores.push(store);
  const archive = join(dir, 'archive');
  return {
    store,
    cold: new DirectoryColdStorage(archive),
    logReplay: globalLogReplay(store),
    coldNames: async () => {
      try {
        return filesUnder(archive);
      } catch {
        return [];
      }
    },
  };
});
