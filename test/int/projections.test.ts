import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { caughtUpLag, onlyProjections, postJson, startTestServer, tempDir, testStore, type TestServer } from '../support/http.ts';
import { fragileProjection } from '../unit/projectionsFixtures.ts';

const servers: TestServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const start = async (...args: Parameters<typeof startTestServer>) => {
  const server = await startTestServer(...args);
  servers.push(server);
  return server;
};

interface Entry {
  name: string;
  status: string;
  position: number;
  lag: number | null;
  generation: number;
  lastError?: string;
  eventsApplied: number;
}

const listing = async (server: TestServer, headers: Record<string, string> = {}): Promise<Record<string, Entry>> => {
  const response = await server.request('/api/projections', { headers });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { projections: Entry[] };
  return Object.fromEntries(body.projections.map((entry) => [entry.name, entry]));
};

/** Polls the listing until `done` holds (bounded), and returns the last listing. */
const listingWhen = async (server: TestServer, done: (entries: Record<string, Entry>) => boolean, headers: Record<string, string> = {}) => {
  let entries = await listing(server, headers);
  for (let i = 0; i < 250 && !done(entries); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    entries = await listing(server, headers);
  }
  return entries;
};

/**
 * Caught up with the first `events` events of the log: lag 0 on the embedded log; on Cosmos DB, whose
 * change feed has no global position (lag is null there), that many events applied.
 */
const caughtUp = (entry: Entry | undefined, events: number): boolean =>
  entry !== undefined && (testStore() === 'cosmos' ? entry.eventsApplied >= events : entry.lag === 0);

const appendMany = async (server: TestServer, count: number, headers: Record<string, string> = {}) => {
  for (let i = 0; i < count; i++)
    expect((await postJson(server, `/api/streams/Order/o${i}/events`, { events: [{ type: 'Placed', data: {} }] }, headers)).status).toBe(201);
};

describe('GET /api/projections', () => {
  it('lists each projection with its status, position and lag', async () => {
    const server = await start();
    await appendMany(server, 5);
    const entries = await listingWhen(server, (e) => caughtUp(e.stream, 5));
    expect(entries.stream).toMatchObject({ name: 'stream', status: 'running', position: 5, lag: caughtUpLag(), generation: 1, eventsApplied: 5 });
    expect(entries.stream!.lastError).toBeUndefined();
  });

  it('keeps checkpoints across a restart, so nothing is applied twice', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const first = await start({ DATA_DIR: dataDir });
    await appendMany(first, 3);
    await listingWhen(first, (e) => caughtUp(e.stream, 3));
    await first.close();
    servers.splice(servers.indexOf(first), 1);

    const second = await start({ DATA_DIR: dataDir });
    const entries = await listingWhen(second, (e) => caughtUp(e.stream, 3));
    expect(entries.stream).toMatchObject({ position: 3, eventsApplied: 3 });
    expect((await (await second.request('/api/views/stream/Order-o0')).json()).data.eventCount).toBe(1);
  });
});

describe('POST /api/projections/{name}/rebuild and /resume', () => {
  const keys = { API_KEY: 'api-key', ADMIN_KEY: 'admin-key' };

  it('need the admin key, while the listing takes the API key', async () => {
    const server = await start(keys);
    expect((await postJson(server, '/api/projections/stream/rebuild', {}, { 'x-functions-key': 'api-key' })).status).toBe(401);
    expect((await postJson(server, '/api/projections/stream/resume', {}, { 'x-functions-key': 'api-key' })).status).toBe(401);
    expect((await postJson(server, '/api/projections/stream/rebuild', {})).status).toBe(401);
    expect((await server.request('/api/projections')).status).toBe(401);
    await listing(server, { 'x-functions-key': 'api-key' });
    expect((await postJson(server, '/api/projections/stream/resume', {}, { 'x-functions-key': 'admin-key' })).status).toBe(202);
  });

  it('answer 404 for a projection that does not exist and 400 for a bad name or skip value', async () => {
    const server = await start();
    expect((await postJson(server, '/api/projections/nothing/rebuild', {})).status).toBe(404);
    expect((await postJson(server, '/api/projections/nothing/resume', {})).status).toBe(404);
    expect((await postJson(server, '/api/projections/Bad_Name/rebuild', {})).status).toBe(400);
    const badSkip = await postJson(server, '/api/projections/stream/resume?skip=maybe', {});
    expect(badSkip.status).toBe(400);
    expect((await badSkip.json()).errors[0].path).toBe('query.skip');
  });

  it('a rebuild replays into a new generation while the old one serves, then switches', async () => {
    const server = await start(keys);
    const admin = { 'x-functions-key': 'admin-key' };
    await appendMany(server, 120, admin);
    await listingWhen(server, (e) => caughtUp(e.stream, 120), admin);

    const accepted = await postJson(server, '/api/projections/stream/rebuild', {}, admin);
    expect(accepted.status).toBe(202);
    const entry = await accepted.json();
    expect(entry).toMatchObject({ name: 'stream', generation: 1 });
    expect(['rebuilding', 'running']).toContain(entry.status);

    // Reads keep answering from the serving generation until the switch, and after it.
    let reads = 0;
    const entries = await listingWhen(
      server,
      (e) => {
        reads++;
        return e.stream?.generation === 2 && e.stream.status === 'running';
      },
      admin,
    );
    expect(entries.stream).toMatchObject({ status: 'running', generation: 2, position: 120, lag: caughtUpLag(), eventsApplied: 120 });
    const view = await server.request('/api/views/stream/Order-o119', { headers: admin });
    expect(view.status).toBe(200);
    expect((await view.json()).data).toMatchObject({ version: 1, eventCount: 1 });
    expect(reads).toBeGreaterThan(0);
  });

  it('a poison event halts only its projection, is listed with its error, and resume with skip moves on', async () => {
    const server = await start({ PROJECTION_MAX_ATTEMPTS: '2' }, { modules: onlyProjections(fragileProjection({ poisonous: true })) });
    await appendMany(server, 2);
    expect((await postJson(server, '/api/streams/Order/bad/events', { events: [{ type: 'Placed', data: { poison: true } }] })).status).toBe(201);
    await appendMany(server, 1);

    // On Cosmos DB `position` counts the events applied, and the change feed orders events per stream
    // only: how many of the other streams' events come before the poison one is not defined there, and
    // the skipped event is not counted.
    const cosmos = testStore() === 'cosmos';
    const halted = await listingWhen(server, (e) => e.fragile?.status === 'halted' && caughtUp(e.stream, 4));
    expect(halted.fragile).toMatchObject({ status: 'halted', position: cosmos ? expect.any(Number) : 2, lastError: expect.stringContaining('cannot project'), halt: { streamId: 'Order-bad', sequence: 1, attempts: 2 } });
    expect(halted.stream).toMatchObject({ status: 'running', position: 4, lag: caughtUpLag() });

    const retried = await postJson(server, '/api/projections/fragile/resume', {});
    expect(retried.status).toBe(202);
    expect((await listingWhen(server, (e) => e.fragile?.status === 'halted')).fragile?.status).toBe('halted');

    const skipped = await postJson(server, '/api/projections/fragile/resume?skip=true', {});
    expect(skipped.status).toBe(202);
    expect(await skipped.json()).toMatchObject({ skipped: [{ streamId: 'Order-bad', sequence: 1 }] });
    const after = await listingWhen(server, (e) => caughtUp(e.fragile, 3));
    expect(after.fragile).toMatchObject({ status: 'running', position: cosmos ? 3 : 4, lag: caughtUpLag() });
    expect((await server.request('/api/views/fragile/Order-o0')).status).toBe(200);
    expect((await server.request('/api/views/fragile/Order-bad')).status).toBe(404);
  });
});
