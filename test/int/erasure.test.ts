import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ERASED } from '../../src/core/index.ts';
import { emailAddressId } from '../../src/domain/streams.ts';
import { postJson, startTestServer, tempDir, type TestServer } from '../support/http.ts';

// Erasure of a data subject through HTTP, on the embedded store or (EVENTLOG_TEST_STORE=cosmos, from
// cosmosHttp.test.ts) on the Cosmos DB test account: the events stay and replay, the personal fields
// read as erased everywhere, and the plain address is nowhere in the store's files or items.

const ADMIN = { 'x-functions-key': 'admin-key' };
const API = { 'x-functions-key': 'api-key' };

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const start = () => startTestServer({ API_KEY: 'api-key', ADMIN_KEY: 'admin-key' });

const until = async <T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

const json = async (response: Response): Promise<any> => response.json();

/**
 * Where the plain text appears at rest: the bytes of every file of the embedded store (write-ahead
 * logs included), or every item of every container of the Cosmos DB account (log and views).
 */
const foundAtRest = async (s: TestServer, text: string, only?: (file: string) => boolean): Promise<string[]> => {
  if (s.cosmos === undefined) {
    const needle = Buffer.from(text, 'utf8');
    const files = readdirSync(s.dataDir).filter((name) => name.includes('.sqlite') && (only?.(name) ?? true));
    expect(files.length).toBeGreaterThan(0);
    return files.filter((name) => readFileSync(join(s.dataDir, name)).includes(needle));
  }
  const found: string[] = [];
  for (const account of new Set([s.cosmos.account, s.cosmos.views])) {
    const client = account.client();
    const { resources: databases } = await client.databases.readAll().fetchAll();
    for (const database of databases) {
      const { resources: containers } = await client.database(database.id).containers.readAll().fetchAll();
      for (const container of containers) {
        if (only !== undefined && !only(container.id)) continue;
        const { resources } = await client.database(database.id).container(container.id).items.readAll().fetchAll();
        for (const item of resources) if (JSON.stringify(item).includes(text)) found.push(`${container.id}/${String(item.id)}`);
      }
    }
  }
  return found;
};
/** The log and its keys: events, and on the embedded store the key file (views are read models, checked after erasure). */
const theLog = (name: string): boolean => name.startsWith('events') || name.startsWith('subject-keys');

const register = async (s: TestServer, email: string, name: string) => {
  const response = await postJson(s, '/api/users', { email, name }, API);
  expect(response.status).toBe(201);
  return (await json(response)) as { userId: string; consistencyToken: string };
};

const readEvents = async (s: TestServer, aggregateType: string, aggregateId: string) => {
  const response = await s.request(`/api/streams/${aggregateType}/${aggregateId}/events`, { headers: API });
  expect(response.status).toBe(200);
  return (await json(response)) as { version: number; events: { type: string; data: Record<string, unknown> }[] };
};

const readView = async (s: TestServer, view: string, key: string, atLeast?: string) => {
  const response = await s.request(`/api/views/${view}/${key}${atLeast === undefined ? '' : `?atLeast=${atLeast}`}`, { headers: API });
  return { status: response.status, body: response.status === 200 ? ((await json(response)) as { data: Record<string, unknown> }) : undefined };
};

const rebuilt = async (s: TestServer, projection: string) => {
  const accepted = await postJson(s, `/api/projections/${projection}/rebuild`, {}, ADMIN);
  expect(accepted.status).toBe(202);
  const generation = ((await json(accepted)) as { generation: number }).generation + 1;
  await until(async () => {
    const { projections } = (await json(await s.request('/api/projections', { headers: ADMIN }))) as { projections: { name: string; generation: number; status: string }[] };
    const entry = projections.find((p) => p.name === projection);
    return entry?.generation === generation && entry.status === 'running' ? entry : undefined;
  }, `rebuild of ${projection}`);
};

describe('erasure of a user', () => {
  it('an erased user: the stream replays, email and name read as erased, rebuilt views show none, and the plain address is nowhere at rest', async () => {
    server = await start();
    const email = `grace.${randomUUID().slice(0, 8)}@example.com`;
    const name = `Grace Hopper ${randomUUID().slice(0, 8)}`;
    const { userId, consistencyToken } = await register(server, email, name);
    const other = await register(server, `ada.${randomUUID().slice(0, 8)}@example.com`, 'Ada Lovelace');

    // Before erasure: readers see the plain values, the log at rest holds none of them.
    expect((await readView(server, 'user', userId, consistencyToken)).body?.data).toMatchObject({ email, name });
    expect((await readEvents(server, 'User', userId)).events[0]).toMatchObject({ type: 'UserRegistered', data: { email, name } });
    expect(await foundAtRest(server, userId, theLog), 'the search sees the stored log').not.toEqual([]);
    expect(await foundAtRest(server, email, theLog)).toEqual([]);
    expect(await foundAtRest(server, name, theLog)).toEqual([]);
    const before = await readEvents(server, 'User', userId);

    expect((await postJson(server, `/api/subjects/${userId}/erase`, {}, API)).status).toBe(401);
    const erased = await postJson(server, `/api/subjects/${userId}/erase`, {}, ADMIN);
    expect(erased.status).toBe(200);
    const outcome = await json(erased);
    expect(outcome).toMatchObject({ subjectId: userId, erased: true, streamId: `DataSubject-${userId}`, version: 1 });

    // The stream replays: the same events, in the same order, with the personal fields erased.
    const after = await readEvents(server, 'User', userId);
    expect(after.version).toBe(before.version);
    expect(after.events.map((e) => e.type)).toEqual(before.events.map((e) => e.type));
    expect(after.events[0]!.data).toEqual({ email: ERASED, name: ERASED });
    const reservation = await readEvents(server, 'EmailAddress', emailAddressId(email));
    expect(reservation.events[0]).toMatchObject({ type: 'EmailReserved', data: { email: ERASED, userId } });
    expect(reservation.events.at(-1)).toMatchObject({ type: 'EmailReservationErased', data: { userId } });
    expect((await readEvents(server, 'DataSubject', userId)).events).toMatchObject([{ type: 'DataSubjectErased', data: { subjectId: userId } }]);
    // The other user is untouched.
    expect((await readEvents(server, 'User', other.userId)).events[0]!.data.name).toBe('Ada Lovelace');

    // The live view reacts to the erasure event; rebuilt views show no personal data either.
    const live = await until(async () => {
      const view = await readView(server!, 'user', userId, outcome.consistencyToken);
      return view.body?.data.email === ERASED ? view.body.data : undefined;
    }, 'the user view forgets');
    expect(live).toMatchObject({ userId, email: ERASED, name: ERASED });
    // Another projection, fed by another stream: on Cosmos DB it may come a moment after the user view.
    await until(async () => ((await readView(server!, 'emailReservation', emailAddressId(email))).status === 404 ? true : undefined), 'the reservation view forgets');
    await rebuilt(server, 'users');
    await rebuilt(server, 'email-reservations');
    expect((await readView(server, 'user', userId)).body?.data).toMatchObject({ userId, email: ERASED, name: ERASED });
    expect((await readView(server, 'user', other.userId)).body?.data).toMatchObject({ name: 'Ada Lovelace' });
    expect((await readView(server, 'emailReservation', emailAddressId(email))).status).toBe(404);

    // The log and the keys hold neither the address nor the name, write-ahead logs included.
    expect(await foundAtRest(server, email, theLog)).toEqual([]);
    expect(await foundAtRest(server, name, theLog)).toEqual([]);

    // Views: on Cosmos DB a replaced item is gone at once; the embedded views file may keep a replaced
    // page in its write-ahead log until its next checkpoint (at the latest when the host stops).
    if (server.cosmos !== undefined) {
      expect(await foundAtRest(server, name)).toEqual([]);
      return;
    }
    const stopped = server;
    server = undefined;
    await stopped.host.close();
    await stopped.app.close();
    try {
      expect(await foundAtRest(stopped, name)).toEqual([]);
      expect(await foundAtRest(stopped, email)).toEqual([]);
    } finally {
      await stopped.close();
    }
  });

  it('the feed and an archived stream show personal fields opened, then erased, and the archive holds no plain address', async () => {
    const archiveDir = join(tempDir(), 'archive');
    server = await startTestServer({ API_KEY: 'api-key', ADMIN_KEY: 'admin-key', ARCHIVE_DIR: archiveDir });
    const email = `hedy.${randomUUID().slice(0, 8)}@example.com`;
    const name = `Hedy Lamarr ${randomUUID().slice(0, 8)}`;
    const { userId } = await register(server, email, name);

    // Outside readers get the log as every reader does: opened (on Cosmos DB, the change feed of the region's copy).
    const registeredInFeed = async (s: TestServer, id: string) =>
      until(async () => {
        const page = await json(await s.request(`/api/feed?streamId=User-${id}`, { headers: API }));
        return (page.events as { aggregateId: string; type: string; data: Record<string, unknown> }[]).find((e) => e.aggregateId === id && e.type === 'UserRegistered');
      }, 'the registration in the feed');
    expect((await registeredInFeed(server, userId)).data).toEqual({ email, name });
    const unarchived = await register(server, `grace.${randomUUID().slice(0, 8)}@example.com`, 'Grace');
    expect((await postJson(server, `/api/subjects/${unarchived.userId}/erase`, {}, ADMIN)).status).toBe(200);
    expect((await registeredInFeed(server, unarchived.userId)).data).toEqual({ email: ERASED, name: ERASED });

    // The activation mail's event gives the stream a second event, so archiving moves the first to cold storage.
    await until(async () => ((await readEvents(server!, 'User', userId)).version >= 2 ? true : undefined), 'the activation mail');
    const archived = await postJson(server, `/api/streams/User/${userId}/archive`, {}, ADMIN);
    expect(archived.status).toBe(200);
    const cold = await readEvents(server, 'User', userId);
    expect(cold).toMatchObject({ archivedVersion: expect.any(Number) });
    expect(cold.events[0]).toMatchObject({ type: 'UserRegistered', data: { email, name } });
    const archiveFiles = (readdirSync(archiveDir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[]).filter((entry) => entry.isFile());
    expect(archiveFiles.length).toBeGreaterThan(0);
    const inArchive = (text: string) => archiveFiles.filter((entry) => readFileSync(join(entry.parentPath, entry.name)).includes(Buffer.from(text)));
    expect(inArchive(userId), 'the search sees the archived events').not.toEqual([]);
    expect(inArchive(email)).toEqual([]);
    expect(inArchive(name)).toEqual([]);
    // A rebuild replays the archive first: its events reach the projection opened, like the log's.
    await rebuilt(server, 'users');
    expect((await readView(server, 'user', userId)).body?.data).toMatchObject({ email, name });

    expect((await postJson(server, `/api/subjects/${userId}/erase`, {}, ADMIN)).status).toBe(200);
    expect((await readEvents(server, 'User', userId)).events[0]!.data).toEqual({ email: ERASED, name: ERASED });
  });

  it("frees the erased user's address: the person may register with it anew, as a new subject", async () => {
    server = await start();
    const email = `again.${randomUUID().slice(0, 8)}@example.com`;
    const first = await register(server, email, 'First');
    const taken = await postJson(server, '/api/users', { email, name: 'Someone else' }, API);
    expect(taken.status).toBe(409);
    expect((await postJson(server, `/api/subjects/${first.userId}/erase`, {}, ADMIN)).status).toBe(200);
    const again = await register(server, email, 'Second');
    expect(again.userId).not.toBe(first.userId);
    expect((await readEvents(server, 'User', again.userId)).events[0]!.data).toEqual({ email, name: 'Second' });
    expect((await readEvents(server, 'User', first.userId)).events[0]!.data).toEqual({ email: ERASED, name: ERASED });
  });

  it('erasing twice, or a subject nothing is kept for, is a clear problem and changes nothing', async () => {
    server = await start();
    const { userId } = await register(server, `twice.${randomUUID().slice(0, 8)}@example.com`, 'Twice');
    expect((await postJson(server, `/api/subjects/${userId}/erase`, {}, ADMIN)).status).toBe(200);
    const head = await json(await server.request(`/api/streams/DataSubject/${userId}`, { headers: API }));

    const twice = await postJson(server, `/api/subjects/${userId}/erase`, {}, ADMIN);
    expect(twice.status).toBe(409);
    expect(twice.headers.get('content-type')).toContain('application/problem+json');
    expect(await json(twice)).toMatchObject({ type: 'subject-already-erased', status: 409, subjectId: userId, detail: expect.stringContaining(userId) });

    const unknown = await postJson(server, '/api/subjects/nobody-at-all/erase', {}, ADMIN);
    expect(unknown.status).toBe(404);
    expect(await json(unknown)).toMatchObject({ type: 'unknown-subject', subjectId: 'nobody-at-all' });
    expect((await server.request('/api/streams/DataSubject/nobody-at-all', { headers: API })).status).toBe(404);

    const malformed = await postJson(server, `/api/subjects/${encodeURIComponent('not a subject!')}/erase`, {}, ADMIN);
    expect(malformed.status).toBe(400);
    expect((await json(malformed)).errors[0].path).toBe('path.subjectId');

    expect(await json(await server.request(`/api/streams/DataSubject/${userId}`, { headers: API }))).toEqual(head);
  });

  it('the log of erasures is written by the erasure operation only: a raw append is refused', async () => {
    server = await start();
    const raw = await postJson(server, '/api/streams/DataSubject/someone/events', { events: [{ type: 'DataSubjectErased', data: { subjectId: 'someone' } }] }, ADMIN);
    expect(raw.status).toBe(403);
    expect((await json(raw)).type).toBe('commands-only');
  });
});
