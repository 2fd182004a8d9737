// Projection throughput on the embedded stores: events per second the shared runtime applies from
// the SQLite log into a region's SQLite views, per batch size, against a hand-written projection of
// the same events measured in the same run (one upsert per event, no redelivery guard, no optimistic
// concurrency, no per-stream progress): the price of the runtime's guarantees.
//
//   node --disable-warning=ExperimentalWarning test/bench/projections.bench.ts [--quick]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { newEventId, type PreparedEvent } from '../../src/core/index.ts';
import { ConsumerRuntime } from '../../src/consumers/runtime.ts';
import { streamProjection } from '../../src/consumers/streamProjection.ts';
import { SqliteEventStore } from '../../src/stores/sqlite/sqliteEventStore.ts';
import { SqliteProjectionStorage } from '../../src/stores/sqlite/sqliteProjectionStorage.ts';

export interface ProjectionBenchRow {
  batchSize: number;
  events: number;
  streams: number;
  runtimeEventsPerSecond: number;
  baselineEventsPerSecond: number;
  /** Runtime throughput as a share of the baseline's, same events, same run. */
  ratio: number;
}

const ROUNDS = 3;

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const fillLog = async (store: SqliteEventStore, streams: number, eventsPerStream: number): Promise<void> => {
  // Round-robin over streams, so every batch touches as many documents as it has events (the costly case).
  for (let round = 0; round < eventsPerStream; round++) {
    const appends: Promise<unknown>[] = [];
    for (let s = 0; s < streams; s++) {
      const event: PreparedEvent = { id: newEventId(), type: round === 0 ? 'Opened' : 'Changed', schemaVersion: 1, data: { round, s }, metadata: {} };
      appends.push(store.append({ stream: { aggregateType: 'Bench', aggregateId: `s${s}` }, expectedVersion: 'any', events: [event], region: 'bench' }));
    }
    await Promise.all(appends);
  }
};

/** The runtime exactly as the local poller drives it: read a page of the global log, apply it, checkpoint. */
const runRuntime = async (log: SqliteEventStore, dir: string, batchSize: number, round: number): Promise<number> => {
  const storage = new SqliteProjectionStorage({ dataDir: dir, region: `runtime-${batchSize}-${round}` });
  const runtime = new ConsumerRuntime({ projections: [streamProjection], ...storage, region: 'bench', maxAttempts: 1, log });
  const started = performance.now();
  for (let position = 0; ; ) {
    const events = await log.readAll(position, batchSize);
    if (events.length === 0) break;
    await runtime.applyLive('stream', events);
    position = events[events.length - 1]!.position;
  }
  const seconds = (performance.now() - started) / 1000;
  await storage.close();
  return seconds;
};

/** The baseline: the same view rows written by hand, one transaction per page. */
const runBaseline = async (log: SqliteEventStore, dir: string, batchSize: number, round = 0): Promise<number> => {
  const db = new DatabaseSync(join(dir, `baseline-${batchSize}-${round}.sqlite`));
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL');
  db.exec('CREATE TABLE views (key TEXT PRIMARY KEY, data TEXT NOT NULL) WITHOUT ROWID');
  const upsert = db.prepare('INSERT INTO views (key, data) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET data = excluded.data');
  const started = performance.now();
  for (let position = 0; ; ) {
    const events = await log.readAll(position, batchSize);
    if (events.length === 0) break;
    db.exec('BEGIN');
    for (const e of events)
      upsert.run(e.streamId, JSON.stringify({ streamId: e.streamId, version: e.sequence, lastEventType: e.type, lastRecordedAt: e.recordedAt }));
    db.exec('COMMIT');
    position = events[events.length - 1]!.position;
  }
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return seconds;
};

export const runProjectionBench = async (options: { quick?: boolean } = {}): Promise<ProjectionBenchRow[]> => {
  const streams = options.quick ? 200 : 1_000;
  const eventsPerStream = options.quick ? 10 : 20;
  const dir = mkdtempSync(join(tmpdir(), 'eventlog-bench-projections-'));
  const log = new SqliteEventStore({ dataDir: dir });
  try {
    await fillLog(log, streams, eventsPerStream);
    const events = streams * eventsPerStream;
    const rows: ProjectionBenchRow[] = [];
    await runBaseline(log, dir, 100, -1); // warm-up: page cache, JIT
    for (const batchSize of [1, 10, 100, 500]) {
      // Alternate baseline and runtime so drift in the machine affects both alike; median of the rounds.
      const baselineRuns: number[] = [];
      const runtimeRuns: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        baselineRuns.push(await runBaseline(log, dir, batchSize, round));
        runtimeRuns.push(await runRuntime(log, dir, batchSize, round));
      }
      const baseline = median(baselineRuns);
      const runtime = median(runtimeRuns);
      rows.push({
        batchSize,
        events,
        streams,
        runtimeEventsPerSecond: Math.round(events / runtime),
        baselineEventsPerSecond: Math.round(events / baseline),
        ratio: Number((baseline / runtime).toFixed(3)),
      });
    }
    return rows;
  } finally {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await runProjectionBench({ quick: process.argv.includes('--quick') });
  process.stdout.write('projection throughput (stream projection, SQLite log -> SQLite views)\n');
  process.stdout.write('batch size | events | streams | runtime events/s | baseline events/s | runtime/baseline\n');
  for (const r of rows)
    process.stdout.write(
      `${String(r.batchSize).padStart(10)} | ${String(r.events).padStart(6)} | ${String(r.streams).padStart(7)} | ${String(r.runtimeEventsPerSecond).padStart(16)} | ${String(r.baselineEventsPerSecond).padStart(17)} | ${r.ratio.toFixed(3)}\n`,
    );
}
