import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { EventStore } from '../core/index.ts';
import { CliError, usageError } from './errors.ts';

/**
 * Opens the store the server's configuration names, for export and import (loaded only then, so the
 * other commands start fast). The memory store lives inside one process, so there is nothing to reach
 * from here; and exporting a SQLite log that does not exist is a mistake (a wrong DATA_DIR), not an
 * empty backup.
 */
export const openStoreFor = async (config: Config, purpose: StorePurpose): Promise<EventStore> => {
  checkStoreFor(config, purpose);
  if (purpose !== 'import' && (await isNewSqliteLog(config)))
    throw new CliError(`no SQLite log at ${join(config.DATA_DIR, await eventsFile())} (set DATA_DIR or --data-dir)`);
  const { openEventStore } = await import('../stores/openEventStore.ts');
  return openEventStore(config);
};

/** The stores there is nothing to reach in from here; checked before any input is read. */
export type StorePurpose = 'export' | 'import' | 'archive';

export const checkStoreFor = (config: Config, purpose: StorePurpose): void => {
  if (config.EVENT_STORE === 'memory')
    throw usageError(`EVENT_STORE=memory keeps events inside the server process; there is nothing to ${purpose} from here (use sqlite or cosmos)`);
};

const eventsFile = async (): Promise<string> => (await import('../stores/sqlite/sqliteEventStore.ts')).EVENTS_FILE;

/** A SQLite log that does not exist yet: opening it would create its directory and files. */
export const isNewSqliteLog = async (config: Config): Promise<boolean> =>
  config.EVENT_STORE === 'sqlite' && !existsSync(join(config.DATA_DIR, await eventsFile()));
