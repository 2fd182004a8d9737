import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestServer, testStore, type TestServer } from '../support/http.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

let counter = 0;
const freshId = () => `order-${Date.now()}-${++counter}`;
const eventsPath = (id: string, type = 'Order') => `/api/streams/${type}/${id}/events`;
const placed = (n = 1) => Array.from({ length: n }, (_, i) => ({ type: 'ItemAdded', data: { line: i + 1 } }));

describe('appending through HTTP', () => {
  it('answers 201 with the new version, a consistency token, ETag and Location', async () => {
    const id = freshId();
    const response = await postJson(server, eventsPath(id), { expectedVersion: 'no_stream', events: placed(2) });
    expect(response.status).toBe(201);
    const body = await response.json();
    expect(body).toMatchObject({
      streamId: `Order-${id}`,
      aggregateType: 'Order',
      aggregateId: id,
      firstSequence: 1,
      lastSequence: 2,
      version: 2,
    });
    expect(body.eventIds).toHaveLength(2);
    expect(typeof body.consistencyToken).toBe('string');
    expect(Date.parse(body.recordedAt)).not.toBeNaN();
    expect(response.headers.get('etag')).toBe('"2"');
    expect(response.headers.get('location')).toBe(`/api/streams/Order/${id}/events?fromVersion=1&toVersion=2`);
  });

  it('appends are rejected when the expected version is stale, with the current version', async () => {
    const id = freshId();
    await postJson(server, eventsPath(id), { events: placed(3) });
    const response = await postJson(server, eventsPath(id), { expectedVersion: 1, events: placed() });
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ type: 'concurrency-conflict', status: 409, expectedVersion: 1, currentVersion: 3 });
  });

  it('expectedVersion 0 means the stream must not exist', async () => {
    const id = freshId();
    expect((await postJson(server, eventsPath(id), { expectedVersion: 0, events: placed() })).status).toBe(201);
    const again = await postJson(server, eventsPath(id), { expectedVersion: 0, events: placed() });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ currentVersion: 1 });
  });

  it('"exists" needs an existing stream', async () => {
    const id = freshId();
    expect((await postJson(server, eventsPath(id), { expectedVersion: 'exists', events: placed() })).status).toBe(409);
    await postJson(server, eventsPath(id), { events: placed() });
    expect((await postJson(server, eventsPath(id), { expectedVersion: 'exists', events: placed() })).status).toBe(201);
  });

  it('takes the expected version from If-Match as well', async () => {
    const id = freshId();
    await postJson(server, eventsPath(id), { events: placed() });
    expect((await postJson(server, eventsPath(id), { events: placed() }, { 'if-match': '"1"' })).status).toBe(201);
    const stale = await postJson(server, eventsPath(id), { events: placed() }, { 'if-match': '"1"' });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ currentVersion: 2 });
  });

  it('a client-chosen event id already in the stream is a conflict and writes nothing', async () => {
    const id = freshId();
    const eventId = '0b6e3f5e-8a47-4bde-9d63-2a8f2f0c6a11';
    await postJson(server, eventsPath(id), { events: [{ type: 'A', data: {}, id: eventId }] });
    const response = await postJson(server, eventsPath(id), { events: [{ type: 'B', data: {}, id: eventId }] });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ type: 'duplicate-event-id', eventIds: [eventId] });
    expect((await (await server.request(eventsPath(id))).json()).version).toBe(1);
  });
});

describe('idempotent appends', () => {
  it('the same Idempotency-Key and body again returns the original result and writes nothing', async () => {
    const id = freshId();
    const body = { events: placed(2) };
    const first = await postJson(server, eventsPath(id), body, { 'idempotency-key': 'pay-1' });
    const again = await postJson(server, eventsPath(id), body, { 'idempotency-key': 'pay-1' });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(await again.json()).toEqual(await first.json());
    const read = await (await server.request(eventsPath(id))).json();
    expect(read.version).toBe(2);
    expect(read.events[0].metadata.idempotencyKey).toBe('pay-1');
  });

  it('a replay is recognised after other events were appended', async () => {
    const id = freshId();
    const body = { expectedVersion: 'no_stream', events: placed() };
    const first = await (await postJson(server, eventsPath(id), body, { 'idempotency-key': 'k' })).json();
    await postJson(server, eventsPath(id), { events: placed() });
    const again = await postJson(server, eventsPath(id), body, { 'idempotency-key': 'k' });
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(first);
  });

  it('the same Idempotency-Key with a different body is a 422 and writes nothing', async () => {
    const id = freshId();
    await postJson(server, eventsPath(id), { events: placed(1) }, { 'idempotency-key': 'k-1' });
    const response = await postJson(server, eventsPath(id), { events: [{ type: 'Other', data: { x: 1 } }] }, { 'idempotency-key': 'k-1' });
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ type: 'idempotency-key-reused', status: 422 });
    expect((await (await server.request(eventsPath(id))).json()).version).toBe(1);
  });

  it('an Idempotency-Key is scoped to its stream', async () => {
    const a = freshId();
    const b = freshId();
    await postJson(server, eventsPath(a), { events: placed() }, { 'idempotency-key': 'shared' });
    const other = await postJson(server, eventsPath(b), { events: placed() }, { 'idempotency-key': 'shared' });
    expect(other.status).toBe(201);
    expect(other.headers.get('idempotent-replayed')).toBeNull();
  });

  it('concurrent requests with one key write once', async () => {
    const id = freshId();
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => postJson(server, eventsPath(id), { events: placed(2) }, { 'idempotency-key': 'burst' })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === null)).toHaveLength(1);
    expect((await (await server.request(eventsPath(id))).json()).version).toBe(2);
  });
});

describe('concurrent appends to one stream', () => {
  it('50 appends at the same expected version: exactly one 201 and 49 409s', async () => {
    const id = freshId();
    await postJson(server, eventsPath(id), { events: placed() });
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => postJson(server, eventsPath(id), { expectedVersion: 1, events: placed() })),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    const conflicts = await Promise.all(responses.filter((r) => r.status === 409).map((r) => r.json()));
    expect(conflicts.every((c) => c.currentVersion === 2 && c.expectedVersion === 1)).toBe(true);
  });

  it('50 appends with "any" all succeed with sequences 1..50, no gaps, no duplicates', async () => {
    const id = freshId();
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => postJson(server, eventsPath(id), { expectedVersion: 'any', events: [{ type: 'Tick', data: { i } }] })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(201));
    const sequences = (await Promise.all(responses.map((r) => r.json()))).map((b) => b.firstSequence).sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const read = await (await server.request(`${eventsPath(id)}?limit=1000`)).json();
    expect(read.events.map((e: { sequence: number }) => e.sequence)).toEqual(sequences);
    expect(new Set(read.events.map((e: { data: { i: number } }) => e.data.i)).size).toBe(50);
  });
});

describe('reading through HTTP', () => {
  it('returns events in order with the stream version', async () => {
    const id = freshId();
    await postJson(server, eventsPath(id), { events: placed(3) });
    const response = await server.request(eventsPath(id));
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.streamId).toBe(`Order-${id}`);
    expect(body.version).toBe(3);
    expect(body.events.map((e: { sequence: number }) => e.sequence)).toEqual([1, 2, 3]);
    expect(body.continuationToken).toBeUndefined();
    expect(body.events[0]).toMatchObject({ aggregateType: 'Order', aggregateId: id, type: 'ItemAdded', schemaVersion: 1, region: 'local' });
  });

  it('pages with limit and continuation tokens until the end', async () => {
    const id = freshId();
    await postJson(server, eventsPath(id), { events: placed(7) });
    const seen: number[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const query = token === undefined ? '?limit=3' : `?limit=3&continuationToken=${encodeURIComponent(token)}`;
      const body = await (await server.request(eventsPath(id) + query)).json();
      seen.push(...body.events.map((e: { sequence: number }) => e.sequence));
      token = body.continuationToken;
      pages++;
    } while (token !== undefined && pages < 10);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(pages).toBe(3);
  });

  it('honours fromVersion and toVersion', async () => {
    const id = freshId();
    await postJson(server, eventsPath(id), { events: placed(6) });
    const body = await (await server.request(`${eventsPath(id)}?fromVersion=2&toVersion=4`)).json();
    expect(body.events.map((e: { sequence: number }) => e.sequence)).toEqual([2, 3, 4]);
    expect(body.version).toBe(6);
    const paged = await (await server.request(`${eventsPath(id)}?fromVersion=2&toVersion=4&limit=2`)).json();
    expect(paged.continuationToken).toBeDefined();
    const rest = await (await server.request(`${eventsPath(id)}?toVersion=4&limit=2&continuationToken=${paged.continuationToken}`)).json();
    expect(rest.events.map((e: { sequence: number }) => e.sequence)).toEqual([4]);
    expect(rest.continuationToken).toBeUndefined();
  });

  it('travels in time with asOf', async () => {
    const id = freshId();
    const first = await (await postJson(server, eventsPath(id), { events: placed(2) })).json();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await postJson(server, eventsPath(id), { events: placed(1) });
    const body = await (await server.request(`${eventsPath(id)}?asOf=${encodeURIComponent(first.recordedAt)}`)).json();
    expect(body.version).toBe(2);
    expect(body.events).toHaveLength(2);
    const before = await server.request(`${eventsPath(id)}?asOf=2001-01-01T00:00:00Z`);
    expect(before.status).toBe(404);
    expect(await before.json()).toMatchObject({ type: 'not-found', status: 404 });
  });

  it('describes a stream and 404s an unknown one', async () => {
    const id = freshId();
    const appended = await (await postJson(server, eventsPath(id), { events: placed(2) })).json();
    const response = await server.request(`/api/streams/Order/${id}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      streamId: `Order-${id}`,
      aggregateType: 'Order',
      aggregateId: id,
      version: 2,
      createdAt: appended.recordedAt,
      updatedAt: appended.recordedAt,
    });
    const missing = await server.request(`/api/streams/Order/${freshId()}`);
    expect(missing.status).toBe(404);
    expect((await server.request(eventsPath(freshId()))).status).toBe(404);
  });
});

describe('operations', () => {
  it('reports health with store, region and package version', async () => {
    const response = await server.request('/api/health');
    expect(response.status).toBe(200);
    // The store the suite runs on: `sqlite`, or `cosmos` in test/int/cosmosHttp.test.ts, where health
    // also counts the conflicts the account's conflicts feed holds (none here).
    const conflicts = testStore() === 'cosmos' ? { conflicts: 0 } : {};
    expect(await response.json()).toEqual({ status: 'ok', store: testStore(), region: 'local', version: expect.stringMatching(/^\d+\.\d+\.\d+/), ...conflicts });
  });

  it('answers unknown routes with 404 and wrong methods with 405', async () => {
    const unknown = await server.request('/api/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    const wrong = await server.request('/api/health', { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
  });
});
