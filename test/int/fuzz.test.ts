import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explorerRoutes } from '../../src/explorer/routes.ts';
import { postJson, startTestServer, type TestServer } from '../support/http.ts';
import { requestsOf, type FuzzRequest, type OpenApiDocument } from '../support/fuzzRequests.ts';

// Property-based fuzzing of the HTTP layer: requests generated across the OpenAPI document the server
// itself serves (every operation, path parameters from hostile strings, query and header parameters,
// JSON bodies from the schemas, broken ones, wrong methods, wrong keys). For each answer: no 5xx, and
// every 4xx a problem document. Afterwards the canary streams, written before the run, are unchanged.
//
// Seeded and bounded: FUZZ_SEED (default 19) fixes the run, FUZZ_MS (default 20000) and FUZZ_RUNS
// (default 4000) bound it. A failure prints the seed and fast-check's path to replay it.

const SEED = Number(process.env.FUZZ_SEED ?? 19);
const TIME_LIMIT_MS = Number(process.env.FUZZ_MS ?? 20_000);
const RUNS = Number(process.env.FUZZ_RUNS ?? 4_000);
const API_KEY = 'fuzz-api-key';
const ADMIN_KEY = 'fuzz-admin-key';

let server: TestServer;
let document: OpenApiDocument;
const canaries = ['Canary/c-1', 'Canary/c-2', 'Canary/__proto__'];
const canaryText = new Map<string, string>();
const keyed = { 'x-functions-key': API_KEY };

const readCanary = async (canary: string) => (await server.request(`/api/streams/${canary}/events?limit=1000`, { headers: keyed })).text();

beforeAll(async () => {
  server = await startTestServer({ API_KEY, ADMIN_KEY, PROJECTION_MAX_ATTEMPTS: '2' }, { extraRoutes: explorerRoutes });
  document = (await (await server.request('/api/openapi.json')).json()) as OpenApiDocument;
  for (const canary of canaries) {
    const data = JSON.parse('{"__proto__":{"canary":true},"n":1}') as Record<string, unknown>;
    const response = await postJson(server, `/api/streams/${canary}/events`, { events: [{ type: 'Sung', data }, { type: 'Sung', data: { n: 2 } }] }, keyed);
    expect(response.status).toBe(201);
    canaryText.set(canary, await readCanary(canary));
  }
  // Something for generated requests to find.
  await postJson(server, '/api/streams/Order/fuzz-1/events', { events: [{ type: 'Placed', data: {} }] }, keyed);
}, 60_000);
afterAll(async () => {
  await server?.close();
});

/** What is wrong with an answer (undefined: nothing). */
const verdict = async (request: FuzzRequest, response: Response): Promise<string | undefined> => {
  const text = await response.text();
  if (response.status >= 500) return `status ${response.status}: ${text.slice(0, 300)}`;
  if (response.status < 400) return undefined;
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('application/problem+json')) return `status ${response.status} with content-type "${type}"`;
  if (request.method === 'HEAD') return text === '' ? undefined : 'HEAD answered with a body';
  let problem: Record<string, unknown>;
  try {
    problem = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return `status ${response.status}: a problem body that is not JSON: ${text.slice(0, 200)}`;
  }
  const complete = ['type', 'title', 'detail'].every((field) => typeof problem[field] === 'string' && problem[field] !== '') && problem.status === response.status;
  return complete ? undefined : `status ${response.status}: incomplete problem ${text.slice(0, 300)}`;
};

describe('fuzzing the HTTP layer across the OpenAPI document', () => {
  it(`no 5xx, every 4xx a problem, canaries unchanged (seed ${SEED}, up to ${RUNS} requests or ${TIME_LIMIT_MS} ms)`, async () => {
    const projections = ((await (await server.request('/api/projections', { headers: keyed })).json()) as { projections: Array<{ name: string }> }).projections.map((p) => p.name);
    const arbitrary = requestsOf(document, {
      known: {
        aggregateType: ['Order', 'Post', 'Comment', 'User', 'EmailAddress'],
        aggregateId: ['fuzz-1', 'c-1'],
        view: ['stream', 'user', 'post', 'emailReservation', 'pendingEmailReservations'],
        key: ['Order-fuzz-1', 'Canary-c-1'],
        name: projections,
        path: ['', 'index.html', 'explorer.js', 'explorer.css'],
      },
      keys: [API_KEY, API_KEY, API_KEY, ADMIN_KEY, ADMIN_KEY, undefined, 'wrong-key', '__proto__'],
      reserved: ['Canary'],
    });
    let sent = 0;
    const statuses = new Map<number, number>();
    const started = Date.now();
    const details = await fc.check(
      fc.asyncProperty(arbitrary, async (request) => {
        sent++;
        const response = await server.request(request.url, { method: request.method, headers: request.headers, body: request.body });
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const wrong = await verdict(request, response);
        if (wrong !== undefined) throw new Error(`${request.method} ${request.url} (${request.operation}): ${wrong}`);
      }),
      { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false },
    );
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const histogram = [...statuses.entries()].sort(([a], [b]) => a - b).map(([status, count]) => `${status}:${count}`).join(' ');
    console.info(`fuzz: ${sent} requests (${details.numRuns} runs) in ${seconds} s, seed ${SEED}; statuses ${histogram}`);
    if (details.failed) {
      console.error(`fuzz failed: replay with FUZZ_SEED=${details.seed} (fast-check path "${details.counterexamplePath}")`);
      throw new Error(fc.defaultReportMessage(details) ?? 'fuzz failed');
    }
    // The run reached the handlers, not only the router and the validators.
    expect([...statuses.keys()].some((status) => status >= 200 && status < 300)).toBe(true);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
    for (const canary of canaries) expect(await readCanary(canary), canary).toBe(canaryText.get(canary));
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('canary');
  }, TIME_LIMIT_MS + 60_000);
});
