import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Contender } from '../measure.ts';
import { runWriters } from '../measure.ts';

// The peer lives in its own folder (`npm run bench:peers`), so the product's install stays small.
const PEERS = fileURLToPath(new URL('../../../bench/peers/', import.meta.url));

type PeerEvent = { type: string; data: Record<string, unknown> };
interface EmmettConnection {
  query<T>(sql: string, values?: unknown[]): Promise<T[]>;
  close(): void;
}
interface EmmettSqliteModule {
  getSQLiteEventStore(options: { fileName: string }): {
    appendToStream(streamName: string, events: PeerEvent[], options?: { expectedStreamVersion?: bigint }): Promise<{ nextExpectedStreamVersion: bigint }>;
  };
  sqliteConnection(options: { fileName: string }): EmmettConnection;
  createEventStoreSchema(connection: EmmettConnection): Promise<void>;
  appendToStream(
    connection: EmmettConnection,
    streamName: string,
    streamType: string,
    events: PeerEvent[],
    options?: { expectedStreamVersion?: bigint },
  ): Promise<{ success: true; nextStreamPosition: bigint } | { success: false }>;
}
type Callback = (error: Error | null, ...rest: unknown[]) => void;
interface Sqlite3Module {
  Database: {
    prototype: { run: (this: unknown, sql: string, ...args: unknown[]) => unknown };
    new (file: string): { get(sql: string, cb: Callback): void; close(): void };
  };
}

export type PeerMode = 'event-store' | 'connection';
export type PeerLoad =
  | { ok: true; version: string; durability: string; open: (dir: string, name: string, writers: number, mode: PeerMode) => Contender; errors: () => number }
  | { ok: false; reason: string };

const pragma = (sqlite3: Sqlite3Module, file: string, name: string): Promise<unknown> =>
  new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file);
    db.get(`PRAGMA ${name}`, (error, row) => {
      db.close();
      if (error) reject(error);
      else resolve(Object.values(row as Record<string, unknown>)[0]);
    });
  });

/**
 * Emmett-SQLite issues `PRAGMA journal_mode = WAL` without a callback on every connection it opens;
 * when that collides with another connection's write it fails with SQLITE_BUSY, which node-sqlite3
 * raises as an 'error' event nobody listens to, and the process dies. The file is in WAL mode from
 * its first connection on, so the failure is harmless: it is counted and otherwise ignored.
 */
const guardUncallbackedRuns = (sqlite3: Sqlite3Module, onError: () => void): void => {
  const run = sqlite3.Database.prototype.run;
  sqlite3.Database.prototype.run = function (this: unknown, sql: string, ...args: unknown[]) {
    if (typeof args[args.length - 1] !== 'function') args.push((error: Error | null) => error && onError());
    return run.call(this, sql, ...args);
  };
};

/** Emmett's SQLite event store, if `npm run bench:peers` installed it; otherwise why not. */
export const loadEmmettSqlite = async (): Promise<PeerLoad> => {
  if (!existsSync(join(PEERS, 'node_modules', '@event-driven-io', 'emmett-sqlite')))
    return { ok: false, reason: 'peer not installed: run `npm run bench:peers` to install Emmett and its SQLite adapter into bench/peers/' };
  const require = createRequire(join(PEERS, 'package.json'));
  let emmett: EmmettSqliteModule;
  let sqlite3: Sqlite3Module;
  try {
    sqlite3 = require('sqlite3') as Sqlite3Module;
    emmett = require('@event-driven-io/emmett-sqlite') as EmmettSqliteModule;
  } catch (error) {
    return { ok: false, reason: `peer failed to load: ${(error as Error).message}` };
  }
  const manifest = join(PEERS, 'node_modules', '@event-driven-io', 'emmett-sqlite', 'package.json');
  const version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  let errors = 0;
  guardUncallbackedRuns(sqlite3, () => errors++);
  // Emmett opens its file in WAL mode and leaves synchronous at SQLite's default; report what that is.
  const probe = join(tmpdir(), `eventlog-bench-probe-${process.pid}.sqlite`);
  const synchronous = await pragma(sqlite3, probe, 'synchronous');
  rmSync(probe, { force: true });
  const durability = `journal_mode=wal, synchronous=${synchronous === 2 ? 'FULL' : String(synchronous)}`;

  const open = (dir: string, name: string, writers: number, mode: PeerMode): Contender => {
    const fileName = join(dir, 'emmett.sqlite');
    const versions = new Array<bigint>(writers).fill(0n);
    // One Emmett store (or connection) runs one transaction at a time: concurrent appends through it
    // fail (SQLITE_MISUSE, or commands of two appends mixed in one transaction), so writers take turns.
    let turn: Promise<unknown> = Promise.resolve();
    const inTurn = <T>(work: () => Promise<T>): Promise<T> => {
      const result = turn.then(work);
      turn = result.catch(() => undefined);
      return result;
    };
    let appendOne: (writer: number) => Promise<bigint>;
    if (mode === 'event-store') {
      const store = emmett.getSQLiteEventStore({ fileName });
      appendOne = async (writer) =>
        (await store.appendToStream(`Bench-w${writer}`, [{ type: 'Ticked', data: { n: 0 } }], { expectedStreamVersion: versions[writer]! }))
          .nextExpectedStreamVersion;
    } else {
      const connection = emmett.sqliteConnection({ fileName });
      const ready = connection.query('SELECT 1').then(() => emmett.createEventStoreSchema(connection));
      appendOne = async (writer) => {
        await ready;
        const result = await emmett.appendToStream(connection, `Bench-w${writer}`, 'Bench', [{ type: 'Ticked', data: { n: 0 } }], {
          expectedStreamVersion: versions[writer]!,
        });
        if (!result.success) throw new Error(`peer reported a conflict on Bench-w${writer}`);
        return result.nextStreamPosition;
      };
    }
    // A failed append (SQLITE_BUSY from the peer's own connections) is counted and retried, as a client would.
    const append = async (writer: number): Promise<number> => {
      for (let attempt = 1; ; attempt++) {
        try {
          versions[writer] = await inTurn(() => appendOne(writer));
          return 1;
        } catch (error) {
          errors++;
          if (attempt >= 10) throw error;
        }
      }
    };
    return {
      name,
      // Emmett logs every failed transaction with console.log; the benchmark's stdout is its JSON lines.
      round: async (durationMs) => {
        const log = console.log;
        console.log = () => {};
        try {
          return await runWriters(writers, durationMs, append);
        } finally {
          console.log = log;
        }
      },
    };
  };
  return { ok: true, version, durability, open, errors: () => errors };
};
