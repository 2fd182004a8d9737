import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onlyProjections, startTestServer, type TestServer } from '../support/http.ts';

// Event data and metadata are stored and returned exactly as sent, whatever the keys are called:
// `__proto__`, `constructor` and `prototype` are ordinary JSON keys, and none of them may reach a
// prototype on the way through validation, the idempotency comparison, the store or a projection.

// Written as text: a JS literal `{ __proto__: ... }` would set a prototype instead of a key.
const DATA = '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"too"}},"prototype":2,"nested":{"__proto__":[1,{"__proto__":null}]},"toString":"s"}';
const METADATA = '{"__proto__":{"polluted":"meta"},"correlationId":"c-1","constructor":"k"}';

const prototypeNames = (): string[] => Object.getOwnPropertyNames(Object.prototype).sort();

// Cosmos DB: the loopback server's query engine drops own `__proto__` keys itself, so the adapter is
// checked at the wire instead (test/int/cosmosWire.test.ts, "JSON keys that name Object.prototype members").
for (const store of ['memory', 'sqlite'] as const) {
  describe(`hostile keys in data and metadata (${store} store)`, () => {
    let server: TestServer;
    let counter = 0;
    const stream = () => `/api/streams/Odd/${store}-${++counter}/events`;
    const appendText = (path: string, body: string, headers: Record<string, string> = {}) =>
      server.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const readText = async (path: string) => {
      const response = await server.request(path);
      expect(response.status).toBe(200);
      return response.text();
    };
    const before = prototypeNames();

    beforeAll(async () => {
      server = await startTestServer({ EVENT_STORE: store }, { modules: onlyProjections() });
    });
    afterAll(async () => {
      await server?.close();
    });

    it('come back byte for byte as JSON, in every read', async () => {
      const path = stream();
      const appended = await appendText(path, `{"events":[{"type":"Odd","data":${DATA},"metadata":${METADATA}}]}`);
      expect(appended.status).toBe(201);
      const text = await readText(path);
      expect(text).toContain(`"data":${DATA}`);
      expect(text).toContain(`"metadata":${METADATA}`);
      const [event] = (JSON.parse(text) as { events: Array<{ data: object; metadata: object }> }).events;
      expect(Object.keys(event!.data)).toEqual(['__proto__', 'constructor', 'prototype', 'nested', 'toString']);
      expect(Object.getPrototypeOf(event!.data)).toBe(Object.prototype);
    });

    it('count for the idempotency comparison: another __proto__ under the same key is a 422, the same body a replay', async () => {
      const cases: Array<[string, string]> = [
        ['{"p":1}', '{"__proto__":{"p":2}}'],
        ['{"__proto__":{"p":1}}', '{"__proto__":{"p":2}}'],
        ['{"__proto__":{"p":1}}', '{}'],
      ];
      for (const [first, second] of cases) {
        const path = stream();
        const body = (data: string) => `{"events":[{"type":"Keyed","data":${data}}]}`;
        expect((await appendText(path, body(first), { 'idempotency-key': 'k-1' })).status).toBe(201);
        const replay = await appendText(path, body(first), { 'idempotency-key': 'k-1' });
        expect(replay.status, first).toBe(201);
        expect(replay.headers.get('idempotent-replayed'), first).toBe('true');
        const reused = await appendText(path, body(second), { 'idempotency-key': 'k-1' });
        expect(reused.status, `${first} then ${second}`).toBe(422);
        expect(await reused.json()).toMatchObject({ type: 'idempotency-key-reused' });
        expect(await readText(path)).toContain(`"data":${first}`);
      }
    });

    it('pollute no prototype of the server', async () => {
      await appendText(stream(), `{"events":[{"type":"Odd","data":${DATA},"metadata":${METADATA}}]}`);
      expect(prototypeNames()).toEqual(before);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    });
  });
}
