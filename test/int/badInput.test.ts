import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestServer, type TestServer } from '../support/http.ts';

let server: TestServer;
const stream = '/api/streams/Order/bad-input-1/events';
let before: unknown;

beforeAll(async () => {
  server = await startTestServer();
  await postJson(server, stream, { events: [{ type: 'Seeded', data: { n: 1 } }] });
  before = await (await server.request(stream)).json();
});
afterAll(async () => {
  await server.close();
});

const send = (body: string, headers: Record<string, string> = {}, path = stream) =>
  server.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

const valid = { events: [{ type: 'Ok', data: {} }] };

interface Case {
  name: string;
  body?: string;
  headers?: Record<string, string>;
  path?: string;
  errorPath: string;
}

const cases: Case[] = [
  { name: 'a body that is not JSON', body: '{"events": [', errorPath: 'body' },
  { name: 'an empty body', body: '', errorPath: 'body' },
  { name: 'a body that is not an object', body: '[1,2]', errorPath: 'body' },
  { name: 'no events', body: JSON.stringify({ events: [] }), errorPath: 'body.events' },
  { name: 'events missing', body: JSON.stringify({ expectedVersion: 1 }), errorPath: 'body.events' },
  { name: 'more than 100 events', body: JSON.stringify({ events: Array.from({ length: 101 }, () => ({ type: 'A', data: {} })) }), errorPath: 'body.events' },
  { name: 'data that is not an object', body: JSON.stringify({ events: [{ type: 'A', data: [1] }] }), errorPath: 'body.events.0.data' },
  { name: 'data that is null', body: JSON.stringify({ events: [{ type: 'A', data: null }] }), errorPath: 'body.events.0.data' },
  { name: 'an event without data', body: JSON.stringify({ events: [{ type: 'A' }] }), errorPath: 'body.events.0.data' },
  { name: 'an event without type', body: JSON.stringify({ events: [{ data: {} }] }), errorPath: 'body.events.0.type' },
  { name: 'a bad event type', body: JSON.stringify({ events: [{ type: '9lives', data: {} }] }), errorPath: 'body.events.0.type' },
  { name: 'metadata that is not an object', body: JSON.stringify({ events: [{ type: 'A', data: {}, metadata: 'x' }] }), errorPath: 'body.events.0.metadata' },
  { name: 'an event id that is not a UUID', body: JSON.stringify({ events: [{ type: 'A', data: {}, id: 'nope' }] }), errorPath: 'body.events.0.id' },
  { name: 'an unknown field in an event', body: JSON.stringify({ events: [{ type: 'A', data: {}, datta: {} }] }), errorPath: 'body.events.0' },
  { name: 'an unknown top-level field', body: JSON.stringify({ ...valid, expectedVersoin: 3 }), errorPath: 'body' },
  { name: 'a negative expected version', body: JSON.stringify({ ...valid, expectedVersion: -1 }), errorPath: 'body.expectedVersion' },
  { name: 'a fractional expected version', body: JSON.stringify({ ...valid, expectedVersion: 1.5 }), errorPath: 'body.expectedVersion' },
  { name: 'an unknown expected version keyword', body: JSON.stringify({ ...valid, expectedVersion: 'latest' }), errorPath: 'body.expectedVersion' },
  { name: 'a malformed If-Match', body: JSON.stringify(valid), headers: { 'if-match': 'yesterday' }, errorPath: 'header.If-Match' },
  { name: 'If-Match disagreeing with expectedVersion', body: JSON.stringify({ ...valid, expectedVersion: 1 }), headers: { 'if-match': '"2"' }, errorPath: 'header.If-Match' },
  { name: 'an over-long Idempotency-Key', body: JSON.stringify(valid), headers: { 'idempotency-key': 'k'.repeat(201) }, errorPath: 'idempotencyKey' },
  { name: 'an aggregate type with a dash', body: JSON.stringify(valid), path: '/api/streams/Or-der/1/events', errorPath: 'path.aggregateType' },
  { name: 'an aggregate type starting with a digit', body: JSON.stringify(valid), path: '/api/streams/1Order/1/events', errorPath: 'path.aggregateType' },
  { name: 'an aggregate id with a bad character', body: JSON.stringify(valid), path: '/api/streams/Order/a%20b/events', errorPath: 'path.aggregateId' },
  { name: 'an aggregate id over 128 characters', body: JSON.stringify(valid), path: `/api/streams/Order/${'x'.repeat(129)}/events`, errorPath: 'path.aggregateId' },
];

describe('malformed appends', () => {
  it.each(cases)('$name is a 400 problem naming $errorPath and changes nothing', async ({ body, headers, path, errorPath }) => {
    const response = await send(body ?? '', headers, path);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = await response.json();
    expect(problem).toMatchObject({ type: 'validation-error', title: expect.any(String), status: 400, detail: expect.any(String) });
    expect(problem.errors.length).toBeGreaterThan(0);
    expect(problem.errors.map((e: { path: string }) => e.path)).toContain(errorPath);
    expect(await (await server.request(stream)).json()).toEqual(before);
  });

  it('a body over 1 MiB is a 413 problem and changes nothing', async () => {
    const big = JSON.stringify({ events: [{ type: 'Big', data: { blob: 'x'.repeat(1024 * 1024) } }] });
    const response = await send(big);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ type: 'payload-too-large', status: 413 });
    expect(await (await server.request(stream)).json()).toEqual(before);
  });

  it('reports every invalid part of a request at once', async () => {
    const response = await send(JSON.stringify({ events: [{ type: '', data: 3 }] }), {}, '/api/streams/-x/1/events');
    const problem = await response.json();
    expect(problem.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['path.aggregateType', 'body.events.0.type', 'body.events.0.data']),
    );
  });
});

describe('malformed reads', () => {
  it.each([
    ['fromVersion=0', 'query.fromVersion'],
    ['fromVersion=abc', 'query.fromVersion'],
    ['toVersion=-2', 'query.toVersion'],
    ['fromVersion=5&toVersion=2', 'query.toVersion'],
    ['limit=0', 'query.limit'],
    ['limit=1001', 'query.limit'],
    ['limit=2.5', 'query.limit'],
    ['asOf=yesterday', 'query.asOf'],
    ['continuationToken=forged', 'query.continuationToken'],
  ])('%s is a 400 problem naming %s', async (query, errorPath) => {
    const response = await server.request(`${stream}?${query}`);
    expect(response.status).toBe(400);
    const problem = await response.json();
    expect(problem.type).toBe('validation-error');
    expect(problem.errors.map((e: { path: string }) => e.path)).toContain(errorPath);
  });

  it('a bad stream name in a read is a 400 problem', async () => {
    const response = await server.request('/api/streams/Or-der/1');
    expect(response.status).toBe(400);
    expect((await response.json()).errors[0].path).toBe('path.aggregateType');
  });
});

describe('bodies that are not UTF-8 or nest too deep', () => {
  const sendBytes = (bytes: Uint8Array, path = stream) =>
    server.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bytes });
  const withBytes = (...bytes: number[]): Uint8Array =>
    Buffer.concat([Buffer.from('{"events":[{"type":"A","data":{"s":"'), Buffer.from(bytes), Buffer.from('"}}]}')]);
  const refusal = async (response: Response) => {
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { type: string; errors: Array<{ path: string; message: string }> };
    expect(problem.type).toBe('validation-error');
    expect(problem.errors.map((e) => e.path)).toEqual(['body']);
    return problem.errors[0]!.message;
  };
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

  it.each([
    ['a byte that never occurs in UTF-8', [0xff]],
    ['a lone continuation byte', [0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['an overlong encoding of "/"', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['Latin-1 text', [0x7a, 0xf3, 0xb3, 0x77]],
  ])('%s is a 400 naming the body, and nothing is stored', async (_name, bytes) => {
    expect(await refusal(await sendBytes(withBytes(...bytes)))).toMatch(/UTF-8/);
    expect(await (await server.request(stream)).json()).toEqual(before);
  });

  it('the same refusal holds for the command endpoints', async () => {
    const body = Buffer.concat([Buffer.from('{"email":"a@example.com","name":"'), Buffer.from([0xff]), Buffer.from('"}')]);
    expect(await refusal(await sendBytes(body, '/api/users'))).toMatch(/UTF-8/);
  });

  it('UTF-8 text, multi-byte and astral, is stored as sent', async () => {
    const path = '/api/streams/Order/utf8-ok/events';
    const text = 'żółw ✓ 𝄞 \u2028';
    const response = await sendBytes(Buffer.from(JSON.stringify({ events: [{ type: 'A', data: { text } }] }), 'utf8'), path);
    expect(response.status).toBe(201);
    const read = (await (await server.request(path)).json()) as { events: Array<{ data: { text: string } }> };
    expect(read.events[0]!.data.text).toBe(text);
  });

  it('JSON nested 3,000 deep is a 400 that names the limit, not a stack overflow, and nothing is stored', async () => {
    const message = await refusal(await send(`{"events":[{"type":"A","data":{"deep":${nested(3000)}}}]}`));
    expect(message).toContain('256');
    expect(message).not.toMatch(/call stack/i);
    expect(await (await server.request(stream)).json()).toEqual(before);
  });

  it('256 levels (the body being the first) are accepted and read back; 257 are refused', async () => {
    // body, events, event, data: 4 levels before the nested array.
    const path = '/api/streams/Order/deep-ok/events';
    const atLimit = await send(`{"events":[{"type":"A","data":{"deep":${nested(252)}}}]}`, {}, path);
    expect(atLimit.status).toBe(201);
    const read = (await (await server.request(path)).json()) as { events: Array<{ data: { deep: unknown } }> };
    expect(JSON.stringify(read.events[0]!.data.deep)).toBe(nested(252));
    expect(await refusal(await send(`{"events":[{"type":"A","data":{"deep":${nested(253)}}}]}`, {}, path))).toContain('256');
  });

  it('brackets and escaped quotes inside strings do not count as nesting', async () => {
    const path = '/api/streams/Order/deep-strings/events';
    const data = { text: '[{'.repeat(5000), quoted: '\\"[[[[' + '{'.repeat(300) };
    const response = await send(JSON.stringify({ events: [{ type: 'A', data }] }), {}, path);
    expect(response.status).toBe(201);
    expect(((await (await server.request(path)).json()) as { events: Array<{ data: unknown }> }).events[0]!.data).toEqual(data);
  });
});
