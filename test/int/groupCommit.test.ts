import { rmSync } from 'node:fs';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseSync } from 'node:sqlite';
import {
  ConcurrencyError,
  DuplicateEventIdError,
  nameBasedUuid,
  newEventId,
  StoreUnavailableError,
  type AppendRequest,
  type ExpectedVersion,
} from '../../src/core/index.ts';
import { GroupCommit } from '../../src/stores/sqlite/groupCommit.ts';
import { SqliteEventStore } from '../../src/stores/sqlite/sqliteEventStore.ts';
import { startChildHost } from '../support/childHost.ts';
import { tempDir } from '../support/http.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const freshDir = () => {
  const dir = tempDir('eventlog-group-commit-');
  dirs.push(dir);
  return dir;
};

const WRITERS = 64;

// A request as a writer sends it; event ids come from a small shared pool now and then, so some
// requests reuse an id already in their stream (or twice within themselves).
interface ScriptStep {
  stream: number;
  expectedVersion: ExpectedVersion;
  /** Per event: undefined for a fresh id, or the number of a shared id. */
  events: Array<number | undefined>;
}
const requestArbitrary: fc.Arbitrary<ScriptStep> = fc.record({
  stream: fc.integer({ min: 0, max: 3 }),
  expectedVersion: fc.oneof(
    fc.constantFrom<ExpectedVersion>('any', 'no_stream', 'exists'),
    fc.integer({ min: 0, max: 8 }),
  ),
  events: fc.array(fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined, freq: 6 }), { minLength: 1, maxLength: 3 }),
});
const toRequests = (script: ScriptStep[]): AppendRequest[] =>
  script.map((step, r) => ({
    stream: { aggregateType: 'Account', aggregateId: `a${step.stream}` },
    expectedVersion: step.expectedVersion,
    events: step.events.map((shared, i) => ({
      id: shared === undefined ? nameBasedUuid(`request ${r} event ${i}`) : nameBasedUuid(`shared ${shared}`),
      type: 'Deposited',
      schemaVersion: 1,
      data: { request: r, index: i },
      metadata: {},
    })),
    region: 'test',
  }));

/** What a writer learns from its append, without the wall-clock time. */
const outcomeOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    (result) => {
      const { recordedAt: _recordedAt, ...rest } = result as { recordedAt: string };
      return { ok: rest };
    },
    (error: unknown) =>
      error instanceof ConcurrencyError
        ? { conflict: { expected: error.expectedVersion, current: error.currentVersion } }
        : error instanceof DuplicateEventIdError
          ? { duplicate: error.eventIds }
          : { unexpected: String(error) },
  );

const logOf = async (store: SqliteEventStore) =>
  (await store.readAll(0, 100_000)).map((e) => [e.position, e.streamId, e.sequence, e.id, e.data]);

const serially = async (requests: AppendRequest[]) => {
  const store = new SqliteEventStore({ dataDir: ':memory:' });
  const outcomes: unknown[] = [];
  for (const request of requests) outcomes.push(await outcomeOf(store.append(request)));
  const result = { outcomes, log: await logOf(store), transactions: store.commitStats.transactions };
  await store.close();
  return result;
};

const concurrently = async (requests: AppendRequest[], dataDir = ':memory:') => {
  const store = new SqliteEventStore({ dataDir });
  const outcomes = await Promise.all(requests.map((request) => outcomeOf(store.append(request))));
  const result = { outcomes, log: await logOf(store), transactions: store.commitStats.transactions };
  await store.close();
  return result;
};

describe('group commit', () => {
  it('64 concurrent writers get exactly the results serial appends would: sequences, conflicts and the log', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(requestArbitrary, { minLength: WRITERS, maxLength: WRITERS }), async (script) => {
        const requests = toRequests(script);
        const serial = await serially(requests);
        const grouped = await concurrently(requests);
        expect(grouped.outcomes).toEqual(serial.outcomes);
        expect(grouped.log).toEqual(serial.log);
        // and the log holds exactly the events of the requests that succeeded, in their order
        const written = grouped.outcomes.flatMap((o) => ('ok' in (o as object) ? (o as { ok: { eventIds: string[] } }).ok.eventIds : []));
        expect(grouped.log.map((row) => row[3])).toEqual(written);
        expect(serial.transactions).toBe(WRITERS);
        expect(grouped.transactions).toBe(1);
      }),
      { numRuns: 40 },
    );
  });

  it('writers racing for one version: the first in the group wins, the others conflict with the version it wrote', async () => {
    const stream = { aggregateType: 'Account', aggregateId: 'race' };
    const dataDir = freshDir();
    const store = new SqliteEventStore({ dataDir });
    try {
      await store.append({ stream, expectedVersion: 'no_stream', events: [{ id: newEventId(), type: 'Opened', schemaVersion: 1, data: {}, metadata: {} }], region: 'test' });
      const racers = Array.from({ length: WRITERS }, (_, w) =>
        outcomeOf(store.append({ stream, expectedVersion: 1, events: [{ id: newEventId(), type: 'Deposited', schemaVersion: 1, data: { w }, metadata: {} }], region: 'test' })),
      );
      const outcomes = await Promise.all(racers);
      expect(outcomes[0]).toMatchObject({ ok: { firstSequence: 2, version: 2 } });
      expect(outcomes.slice(1)).toEqual(Array.from({ length: WRITERS - 1 }, () => ({ conflict: { expected: 1, current: 2 } })));
      expect(store.commitStats).toEqual({ transactions: 2, requests: 1 + WRITERS });
    } finally {
      await store.close();
    }
  });

  it('a file-backed store groups 64 concurrent appends to distinct streams into one durable transaction', async () => {
    const requests = toRequests(Array.from({ length: WRITERS }, (_, w) => ({ stream: w % 4, expectedVersion: 'any' as const, events: [undefined] })));
    const grouped = await concurrently(requests, freshDir());
    expect(grouped.transactions).toBe(1);
    expect(grouped.outcomes.every((o) => 'ok' in (o as object))).toBe(true);
    expect(grouped.log).toHaveLength(WRITERS);
  });

  it.each([true, false])('when the transaction itself fails, every request of the group is refused and none is written (savepoints: %s)', async (savepoint) => {
    const db = new DatabaseSync(':memory:');
    db.exec('CREATE TABLE t (v INTEGER)');
    const group = new GroupCommit(db, { maxBatch: 100, onTransactionError: (error) => new StoreUnavailableError(String(error)) });
    const insert = (v: number) => () => db.prepare('INSERT INTO t (v) VALUES (?)').run(v);
    const abandon = () => {
      db.exec('ROLLBACK'); // as SQLite does on a full disk or an I/O error
      throw new Error('disk I/O error');
    };
    const results = await Promise.allSettled([
      group.submit(insert(1), { savepoint }),
      group.submit(abandon, { savepoint }),
      group.submit(insert(3), { savepoint }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const r of results) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
    expect(db.isTransaction).toBe(false);
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 0 });
    await expect(group.submit(insert(4))).resolves.toBeDefined();
    expect(db.prepare('SELECT v FROM t').all()).toEqual([{ v: 4 }]);
    db.close();
  });

  it('appends acknowledged to 64 concurrent clients survive the process being killed right after', async () => {
    const dataDir = freshDir();
    const host = await startChildHost({ DATA_DIR: dataDir });
    let acknowledged: string[] = [];
    try {
      const responses = await Promise.all(
        Array.from({ length: WRITERS }, (_, w) =>
          fetch(`${host.url}/api/streams/Account/k${w % 8}/events`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ events: [{ type: 'Deposited', data: { w } }] }),
          }),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual(Array.from({ length: WRITERS }, () => 201));
      acknowledged = (await Promise.all(responses.map((r) => r.json() as Promise<{ eventIds: string[] }>))).flatMap((b) => b.eventIds);
    } finally {
      host.process.kill('SIGKILL');
      expect(await host.exited).toBe('SIGKILL');
    }
    const store = new SqliteEventStore({ dataDir });
    try {
      const stored = new Set((await store.readAll(0, 10_000)).map((e) => e.id));
      expect(acknowledged).toHaveLength(WRITERS);
      for (const id of acknowledged) expect(stored.has(id)).toBe(true);
    } finally {
      await store.close();
    }
  });
});
