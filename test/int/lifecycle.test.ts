import { afterEach, describe, expect, it } from 'vitest';
import { postJson, startTestServer, tempDir, type TestServer } from '../support/http.ts';

// The lifecycle through HTTP on the local host: archive, close and delete as admin operations, reads
// that see archived events, the built-in `stream` view and its rebuild. Runs on the embedded store, and
// on the Cosmos DB test account with EVENTLOG_TEST_STORE=cosmos (the archive then in a directory).

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const admin = { 'x-functions-key': 'admin-key' };
const start = () => startTestServer({ API_KEY: 'api-key', ADMIN_KEY: 'admin-key', ARCHIVE_DIR: tempDir('eventlog-archive-') });

const appendN = async (s: TestServer, id: string, count: number, expectedVersion?: number) =>
  postJson(s, `/api/streams/Ledger/${id}/events`, { ...(expectedVersion === undefined ? {} : { expectedVersion }), events: Array.from({ length: count }, (_, i) => ({ type: 'Posted', data: { n: i } })) }, admin);

/** Response bodies, asserted field by field. */
type Json = any;
const json = (response: Response): Promise<Json> => response.json();

const readEvents = async (s: TestServer, id: string, query = ''): Promise<{ status: number; body: Json }> => {
  const response = await s.request(`/api/streams/Ledger/${id}/events?limit=1000${query}`, { headers: admin });
  return { status: response.status, body: await json(response) };
};

/** Polls a view until `ready` holds (bounded). */
const viewWhen = async (s: TestServer, key: string, ready: (status: number, body: Json) => boolean): Promise<{ status: number; body: Json }> => {
  for (let i = 0; i < 200; i++) {
    const response = await s.request(`/api/views/stream/${key}`, { headers: admin });
    const body = await json(response);
    if (ready(response.status, body)) return { status: response.status, body };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`view stream/${key} never got ready`);
};

describe('stream lifecycle over HTTP', () => {
  it('archiving is an admin operation; reads before and after are identical and say what came from the archive', async () => {
    server = await start();
    const first = await json(await appendN(server, 'a1', 3));
    expect((await appendN(server, 'a1', 2)).status).toBe(201);
    const before = await readEvents(server, 'a1');

    const asApi = await postJson(server, '/api/streams/Ledger/a1/archive', {}, { 'x-functions-key': 'api-key' });
    expect(asApi.status).toBe(401);
    const archived = await postJson(server, '/api/streams/Ledger/a1/archive', {}, admin);
    expect(archived.status).toBe(200);
    expect(await archived.json()).toMatchObject({ streamId: 'Ledger-a1', outcome: 'archived', archivedVersion: 5, version: 5 });

    const after = await readEvents(server, 'a1');
    expect(after.status).toBe(200);
    expect(after.body.events).toEqual(before.body.events);
    expect(after.body).toMatchObject({ version: 5, archivedVersion: 5 });
    expect(before.body.archivedVersion).toBeUndefined();

    const info = await json(await server.request('/api/streams/Ledger/a1', { headers: admin }));
    expect(info).toMatchObject({ version: 5, archivedVersion: 5, createdAt: before.body.events[0].recordedAt });
    // Read-your-writes still answers for a write whose events are now archived.
    const view = await server.request(`/api/views/stream/Ledger-a1?atLeast=${encodeURIComponent(first.consistencyToken)}&wait=3000`, { headers: admin });
    expect(view.status).toBe(200);
    // Appends continue at the right version.
    const next = await appendN(server, 'a1', 1, 5);
    expect(next.status).toBe(201);
    expect(await next.json()).toMatchObject({ firstSequence: 6, version: 6 });
  });

  it('a rebuild of the stream view replays archived events; closing marks the view, a hard delete drops it', async () => {
    server = await start();
    await appendN(server, 'v1', 4);
    await viewWhen(server, 'Ledger-v1', (status, body) => status === 200 && body.data.eventCount === 4);
    await postJson(server, '/api/streams/Ledger/v1/archive', {}, admin);

    expect((await postJson(server, '/api/projections/stream/rebuild', {}, admin)).status).toBe(202);
    let switched = false;
    for (let i = 0; i < 200 && !switched; i++) {
      const listing = await json(await server.request('/api/projections', { headers: admin }));
      const stream = listing.projections.find((p: { name: string }) => p.name === 'stream');
      switched = stream.generation === 2 && stream.status === 'running';
      if (!switched) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(switched).toBe(true);
    const rebuilt = await viewWhen(server, 'Ledger-v1', (status) => status === 200);
    expect(rebuilt.body.data).toMatchObject({ version: 4, eventCount: 4, lastEventType: 'Posted' });

    const closed = await server.request('/api/streams/Ledger/v1?reason=done', { method: 'DELETE', headers: admin });
    expect(closed.status).toBe(200);
    expect(await closed.json()).toEqual({ streamId: 'Ledger-v1', state: 'closed', version: 5 });
    const marked = await viewWhen(server, 'Ledger-v1', (status, body) => status === 200 && body.data.version === 5);
    expect(marked.body.data).toMatchObject({ closed: true, lastEventType: 'eventlog.StreamClosed' });

    await postJson(server, '/api/streams/Ledger/v1/archive', {}, admin);
    const deleted = await server.request('/api/streams/Ledger/v1?mode=hard', { method: 'DELETE', headers: admin });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ streamId: 'Ledger-v1', state: 'deleted', version: 6 });
    await viewWhen(server, 'Ledger-v1', (status) => status === 404);
    const gone = await readEvents(server, 'v1');
    expect(gone.status).toBe(410);
    expect(gone.body).toMatchObject({ type: 'stream-deleted', status: 410, version: 6 });
  });

  it('bad lifecycle requests get clear problems and change nothing', async () => {
    server = await start();
    const problem = async (response: Response, status: number, type: string): Promise<Json> => {
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const body = await json(response);
      expect(body).toMatchObject({ type, status });
      expect(body.detail).toEqual(expect.any(String));
      return body;
    };

    // Archiving an unknown stream.
    const unknown = await problem(await postJson(server, '/api/streams/Ledger/nobody/archive', {}, admin), 404, 'not-found');
    expect(unknown.detail).toContain('Ledger-nobody');
    expect((await readEvents(server, 'nobody')).status).toBe(404);

    // Appending to a closed stream.
    await appendN(server, 'c1', 2);
    expect((await server.request('/api/streams/Ledger/c1', { method: 'DELETE', headers: admin })).status).toBe(200);
    const refused = await problem(await appendN(server, 'c1', 1), 409, 'stream-closed');
    expect(refused).toMatchObject({ streamId: 'Ledger-c1', version: 3 });
    await problem(await appendN(server, 'c1', 1, 3), 409, 'stream-closed');
    expect((await readEvents(server, 'c1')).body.version).toBe(3);

    // Deleting twice: soft, then hard.
    const twice = await problem(await server.request('/api/streams/Ledger/c1', { method: 'DELETE', headers: admin }), 409, 'stream-closed');
    expect(twice.detail).toContain('already closed');
    await problem(await server.request('/api/streams/Ledger/c1?mode=hard', { method: 'DELETE', headers: admin }), 409, 'stream-not-archived');
    await postJson(server, '/api/streams/Ledger/c1/archive', {}, admin);
    expect((await server.request('/api/streams/Ledger/c1?mode=hard', { method: 'DELETE', headers: admin })).status).toBe(200);
    await problem(await server.request('/api/streams/Ledger/c1?mode=hard', { method: 'DELETE', headers: admin }), 410, 'stream-deleted');

    // Unknown modes, reserved event types, deleting without the admin key.
    const badMode = await problem(await server.request('/api/streams/Ledger/c2?mode=purge', { method: 'DELETE', headers: admin }), 400, 'validation-error');
    expect(badMode.errors[0].path).toBe('query.mode');
    const reserved = await problem(await postJson(server, '/api/streams/Ledger/c2/events', { events: [{ type: 'eventlog.StreamClosed', data: {} }] }, admin), 400, 'validation-error');
    expect(reserved.errors[0].path).toBe('body.events.0.type');
    expect((await readEvents(server, 'c2')).status).toBe(404);
    expect((await server.request('/api/streams/Ledger/c2', { method: 'DELETE', headers: { 'x-functions-key': 'api-key' } })).status).toBe(401);
    await problem(await server.request('/api/streams/Ledger/c2', { method: 'DELETE', headers: admin }), 404, 'not-found');
  });
});
