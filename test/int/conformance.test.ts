import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestServer, type TestServer } from '../support/http.ts';

// Outside-in checks of the HTTP contract where the product once deviated from it.

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const anEvent = { type: 'Happened', data: {} };
const expectProblem = async (response: Response, status: number): Promise<Record<string, unknown>> => {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) });
  return body;
};

describe('append conformance', () => {
  it('echoes an expectedVersion of 0 as the client sent it in the 409', async () => {
    await postJson(server, '/api/streams/Conf/zero/events', { events: [anEvent] });
    const conflict = await postJson(server, '/api/streams/Conf/zero/events', { expectedVersion: 0, events: [anEvent] });
    expect(await expectProblem(conflict, 409)).toMatchObject({ expectedVersion: 0, currentVersion: 1 });
  });

  it('rejects an expectedVersion given as a string number with a message naming the accepted forms', async () => {
    const response = await postJson(server, '/api/streams/Conf/str/events', { expectedVersion: '3', events: [anEvent] });
    const body = await expectProblem(response, 400);
    expect(body.errors).toEqual([{ path: 'body.expectedVersion', message: expect.stringContaining('"no_stream"') }]);
  });

  it('rejects numbers the log cannot store exactly instead of silently changing them', async () => {
    const raw = '{"events":[{"type":"Happened","data":{"big":12345678901234567890,"huge":1e400}}]}';
    const response = await server.request('/api/streams/Conf/numbers/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: raw,
    });
    const body = await expectProblem(response, 400);
    expect(body.errors).toHaveLength(2);
    expect((await server.request('/api/streams/Conf/numbers/events')).status).toBe(404);
  });

  it('keeps safe integers, exponent notation and unicode exactly', async () => {
    const data = { max: Number.MAX_SAFE_INTEGER, min: -Number.MAX_SAFE_INTEGER, double: 1e20, exp: 2 ** 60, text: 'héllo 🌍 ✓' };
    expect((await postJson(server, '/api/streams/Conf/exact/events', { events: [{ type: 'Happened', data }] })).status).toBe(201);
    const read = (await (await server.request('/api/streams/Conf/exact/events')).json()) as { events: { data: unknown }[] };
    expect(read.events[0]!.data).toEqual(data);
  });

  it('reads a JSON body whatever content type the client declared', async () => {
    const types = ['application/json; charset=utf-8', 'application/vnd.eventlog+json', 'application/x-www-form-urlencoded', 'text/plain'];
    for (const [i, type] of types.entries()) {
      const response = await server.request(`/api/streams/Conf/media-${i}/events`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: JSON.stringify({ events: [anEvent] }),
      });
      expect(response.status).toBe(201);
    }
    const notJson = await server.request('/api/posts', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'authorId=a&title=t&body=b',
    });
    await expectProblem(notJson, 400);
  });
});

describe('read conformance', () => {
  it('rejects a repeated query parameter instead of taking one silently', async () => {
    await postJson(server, '/api/streams/Conf/repeat/events', { events: [anEvent, anEvent] });
    const body = await expectProblem(await server.request('/api/streams/Conf/repeat/events?limit=1&limit=2'), 400);
    expect(body.errors).toEqual([{ path: 'query.limit', message: expect.any(String) }]);
  });
});

describe('routing conformance', () => {
  it('serves a route with a trailing slash', async () => {
    const response = await server.request('/api/health/');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok' });
  });

  it('answers HEAD on a GET route like GET without a body', async () => {
    const response = await server.request('/api/health', { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.text()).toBe('');
  });

  it('answers OPTIONS with 204 and the allowed methods', async () => {
    const response = await server.request('/api/streams/Conf/opts/events', { method: 'OPTIONS' });
    expect(response.status).toBe(204);
    expect(response.headers.get('allow')?.split(', ').sort()).toEqual(['GET', 'HEAD', 'OPTIONS', 'POST']);
  });

  it('still answers unknown routes and wrong methods with problems', async () => {
    // `no-route`, not `not-found`: a client tells a wrong URL from a stream without events by the type.
    expect(await expectProblem(await server.request('/api/streams/Conf/x/events/extra'), 404)).toMatchObject({
      type: 'no-route',
      detail: 'no route for GET /api/streams/Conf/x/events/extra',
    });
    expect(await expectProblem(await server.request('/api/streams/Conf/none/events'), 404)).toMatchObject({ type: 'not-found' });
    await expectProblem(await server.request('/api/streams/Conf/x/events', { method: 'PUT' }), 405);
  });
});
