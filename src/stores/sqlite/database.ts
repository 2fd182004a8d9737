import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { StoreUnavailableError } from '../../core/index.ts';

// What every embedded store file shares: where it lives, how it is opened, how its failures read.

/** The file `fileName` in `dataDir`, which is created if missing; `:memory:` keeps the database in memory. */
export const databasePath = (dataDir: string, fileName: string): string => {
  if (dataDir === ':memory:') return ':memory:';
  mkdirSync(dataDir, { recursive: true });
  return join(dataDir, fileName);
};

/**
 * WAL lets readers run beside the writer; `synchronous` says what a commit survives (FULL: a power
 * loss, NORMAL: a process crash), and a busy file is waited for rather than failing at once.
 */
export const useWal = (db: DatabaseSync, synchronous: 'FULL' | 'NORMAL'): void => {
  db.exec('PRAGMA journal_mode = WAL');
  db.exec(`PRAGMA synchronous = ${synchronous}`);
  db.exec('PRAGMA busy_timeout = 5000');
};

/** Failures of the database itself (locked, disk full, closed) are the store being unavailable. */
export const unavailableAs =
  (what: string) =>
  (error: unknown): StoreUnavailableError =>
    error instanceof StoreUnavailableError
      ? error
      : new StoreUnavailableError(`${what} unavailable: ${error instanceof Error ? error.message : String(error)}`, 1, { cause: error });
