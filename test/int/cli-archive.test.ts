import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newEventId, readStreamEvents, type EventEnvelope, type StreamRef } from '../../src/core/index.ts';
import { withArchivedReads } from '../../src/lifecycle/archivedStore.ts';
import { DirectoryColdStorage } from '../../src/stores/archive/directoryColdStorage.ts';
import { SqliteEventStore } from '../../src/stores/sqlite/sqliteEventStore.ts';
import { runCliInProcess } from '../support/cliInProcess.ts';
import { tempDir } from '../support/http.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const run = runCliInProcess;

const seed = async (dataDir: string, streams: Record<string, number>): Promise<void> => {
  const store = new SqliteEventStore({ dataDir });
  for (const [id, count] of Object.entries(streams))
    await store.append({
      stream: { aggregateType: 'Ledger', aggregateId: id },
      expectedVersion: 'any',
      events: Array.from({ length: count }, (_, n) => ({ id: newEventId(), type: 'Posted', schemaVersion: 1, data: { n }, metadata: {} })),
      region: 'local',
    });
  await store.close();
};

const readBack = async (dataDir: string, stream: StreamRef): Promise<{ events: EventEnvelope[]; hot: number[] }> => {
  const store = new SqliteEventStore({ dataDir });
  try {
    const reader = withArchivedReads(store, new DirectoryColdStorage(join(dataDir, 'archive')));
    const events: EventEnvelope[] = [];
    for await (const e of readStreamEvents(reader, stream)) events.push(e);
    const hot = (await store.readStream(stream, { fromVersion: 1, limit: 100 }))?.events.map((e) => e.sequence) ?? [];
    return { events, hot };
  } finally {
    await store.close();
  }
};

describe('eventlog archive', () => {
  it('archives the named streams into DATA_DIR/archive; reads still see every event', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    await seed(dataDir, { one: 4, two: 2 });
    const env = { EVENT_STORE: 'sqlite', DATA_DIR: dataDir };
    const result = await run(['archive', 'Ledger-one'], env);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Ledger-one: archived events 1\.\.4 to .*Ledger.one.000000000001-000000000004\.jsonl \(sha256:[0-9a-f]{64}\)\n$/);
    const one = await readBack(dataDir, { aggregateType: 'Ledger', aggregateId: 'one' });
    expect(one.events.map((e) => e.sequence)).toEqual([1, 2, 3, 4]);
    expect(one.hot).toEqual([4]);
    expect((await readBack(dataDir, { aggregateType: 'Ledger', aggregateId: 'two' })).hot).toEqual([1, 2]);

    const again = await run(['archive', 'Ledger/one'], env);
    expect(again.stdout).toBe('Ledger-one: nothing new to archive (archived up to 4, version 4)\n');
  });

  it('--policy archives every stream of a type untouched for the given days', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    await seed(dataDir, { a: 2, b: 3, c: 1 });
    const result = await run(['archive', '--policy', 'Ledger:0'], { EVENT_STORE: 'sqlite', DATA_DIR: dataDir });
    expect(result).toMatchObject({ code: 0, stdout: 'policy Ledger:0: archived 3 streams, 0 unchanged, 0 failed\n' });
    expect((await readBack(dataDir, { aggregateType: 'Ledger', aggregateId: 'b' })).hot).toEqual([3]);
    const none = await run(['archive', '--policy', 'Ledger:30'], { EVENT_STORE: 'sqlite', DATA_DIR: dataDir });
    expect(none.stdout).toBe('policy Ledger:30: archived 0 streams, 0 unchanged, 0 failed\n');
  });

  it('bad input: one line, a failing exit code, nothing changed', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    await seed(dataDir, { x: 1 });
    const env = { EVENT_STORE: 'sqlite', DATA_DIR: dataDir };
    const unknown = await run(['archive', 'Ledger-nobody'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toContain('stream Ledger-nobody has no events; nothing to archive');
    expect((await run(['archive'], env)).code).toBe(2);
    const badPolicy = await run(['archive', '--policy', 'Ledger=30'], env);
    expect(badPolicy.code).toBe(2);
    expect(badPolicy.stderr).toContain('--policy');
    expect((await run(['archive', 'not a stream'], env)).code).toBe(2);
    expect((await readBack(dataDir, { aggregateType: 'Ledger', aggregateId: 'x' })).hot).toEqual([1]);
  });
});
