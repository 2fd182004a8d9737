import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteEventStore } from '../../src/stores/sqlite/sqliteEventStore.ts';
import { startChildHost } from '../support/childHost.ts';
import { tempDir } from '../support/http.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const freshDir = () => {
  const dir = tempDir();
  dirs.push(dir);
  return dir;
};

const append = (url: string, stream: string, events: unknown[]) =>
  fetch(`${url}/api/streams/Account/${stream}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
  });

describe('durability of the embedded store', () => {
  it('a restart loses nothing that was acknowledged', async () => {
    const dataDir = freshDir();
    const first = await startChildHost({ DATA_DIR: dataDir });
    const acknowledged: string[] = [];
    for (let i = 0; i < 20; i++) {
      const response = await append(first.url, `a${i % 4}`, [{ type: 'Deposited', data: { i } }]);
      expect(response.status).toBe(201);
      acknowledged.push(...(await response.json()).eventIds);
    }
    first.process.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('SIGTERM');

    const second = await startChildHost({ DATA_DIR: dataDir });
    try {
      const seen: string[] = [];
      for (let s = 0; s < 4; s++) {
        const body = await (await fetch(`${second.url}/api/streams/Account/a${s}/events`)).json();
        expect(body.version).toBe(5);
        seen.push(...body.events.map((e: { id: string }) => e.id));
      }
      expect(seen.sort()).toEqual([...acknowledged].sort());
    } finally {
      second.process.kill('SIGTERM');
      await second.exited;
    }
  });

  it('a process killed mid-load leaves a readable store with every acknowledged append whole and none partial', async () => {
    const dataDir = freshDir();
    const host = await startChildHost({ DATA_DIR: dataDir });
    const acknowledged = new Map<string, string[]>();
    let stop = false;
    const EVENTS_PER_APPEND = 5;

    const writer = async (w: number) => {
      for (let n = 0; !stop && n < 10_000; n++) {
        const batch = `w${w}-${n}`;
        try {
          const response = await append(
            host.url,
            `s${(w + n) % 8}`,
            Array.from({ length: EVENTS_PER_APPEND }, (_, i) => ({ type: 'Moved', data: { batch, i } })),
          );
          if (response.status === 201) acknowledged.set(batch, (await response.json()).eventIds);
        } catch {
          return; // the server died under this request: its outcome is unknown, so it is not counted
        }
      }
    };
    const writers = Array.from({ length: 16 }, (_, w) => writer(w));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    host.process.kill('SIGKILL');
    expect(await host.exited).toBe('SIGKILL');
    stop = true;
    await Promise.all(writers);
    expect(acknowledged.size).toBeGreaterThan(10);

    const store = new SqliteEventStore({ dataDir });
    try {
      const all = await store.readAll(0, 1_000_000);
      const ids = new Set(all.map((e) => e.id));
      for (const eventIds of acknowledged.values()) for (const id of eventIds) expect(ids.has(id)).toBe(true);

      const perBatch = new Map<string, number>();
      for (const event of all) perBatch.set(String(event.data.batch), (perBatch.get(String(event.data.batch)) ?? 0) + 1);
      expect([...perBatch.values()].every((count) => count === EVENTS_PER_APPEND)).toBe(true);

      const perStream = new Map<string, number[]>();
      for (const event of all) perStream.set(event.streamId, [...(perStream.get(event.streamId) ?? []), event.sequence]);
      for (const sequences of perStream.values()) expect(sequences).toEqual(sequences.map((_, i) => i + 1));
    } finally {
      await store.close();
    }
  }, 60_000);
});
