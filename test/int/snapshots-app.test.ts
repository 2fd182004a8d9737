import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ApiServices } from '../../src/api/services.ts';
import type { ApiRequest } from '../../src/api/types.ts';
import type { AppModule } from '../../src/app/module.ts';
import { handleCommand, type Decider } from '../../src/core/index.ts';
import { SNAPSHOTS_FILE, SqliteSnapshotStore } from '../../src/stores/sqlite/sqliteSnapshotStore.ts';
import { postJson, startTestServer, type TestServer } from '../support/http.ts';

// Snapshots in the running app: a module whose aggregate declares a snapshot policy gets a snapshot
// store from the app, and its commands load from and write snapshots through it; an app without such
// an aggregate keeps none.

type CounterEvent = { type: 'Incremented'; data: { by: number } };
const counterDecider: Decider<{ by: number }, CounterEvent, { total: number }> = {
  initialState: () => ({ total: 0 }),
  evolve: (state, event) => ({ total: state.total + event.data.by }),
  decide: (command) => [{ type: 'Incremented', data: { by: command.by } }],
  snapshot: { schemaVersion: 1, every: 10 },
};

const counterModule: AppModule = {
  name: 'counter',
  aggregates: [{ aggregateType: 'Counter', decider: counterDecider, events: { Incremented: z.object({ by: z.number() }) }, rawAppend: 'validated' }],
  routes: [
    {
      name: 'increment',
      method: 'POST',
      route: 'counters/{id}/increment',
      authLevel: 'function',
      handle: async (request: ApiRequest, services: ApiServices) => {
        const result = await handleCommand(services.eventStore, counterDecider, { aggregateType: 'Counter', aggregateId: request.params.id! }, { by: 1 }, {
          region: services.region,
          snapshots: services.snapshots,
        });
        return { status: 200, body: { total: result.state.total, version: result.version } };
      },
      doc: { responses: {} },
    },
  ],
};

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('snapshots in the running app', () => {
  it('are kept for aggregates that declare them: commands write them and load from them', async () => {
    server = await startTestServer({ EVENT_STORE: 'sqlite' }, { modules: () => [counterModule] });
    let last: { total: number; version: number } | undefined;
    for (let i = 0; i < 25; i++) last = (await (await postJson(server, '/api/counters/c1/increment', {})).json()) as { total: number; version: number };
    expect(last).toEqual({ total: 25, version: 25 });
    await server.app.services.snapshots!.idle();

    const store = new SqliteSnapshotStore({ dataDir: server.dataDir });
    try {
      const snapshot = await store.read('Counter-c1', 'state');
      expect(snapshot).toMatchObject({ streamId: 'Counter-c1', schemaVersion: 1 });
      expect(snapshot!.version).toBeGreaterThanOrEqual(20);
      expect(snapshot!.state).toEqual({ total: snapshot!.version });
    } finally {
      await store.close();
    }
  });

  it('are not kept by an app whose aggregates declare none', async () => {
    server = await startTestServer({ EVENT_STORE: 'sqlite' });
    expect(server.app.services.snapshots).toBeUndefined();
    expect(existsSync(join(server.dataDir, SNAPSHOTS_FILE))).toBe(false);
  });
});
