import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildHost, type ChildHost } from '../support/childHost.ts';
import { isBatch, serviceResponses, startCosmosAccountForApp, type CosmosTestAccount } from '../support/cosmosAccount/index.ts';
import { tempDir } from '../support/http.ts';

// The HTTP contract on EVENT_STORE=cosmos, against the Cosmos DB test account (test/support/cosmosAccount):
// appends, reads, asOf, idempotency, views with atLeast fed by the local follower on the change feed,
// projections (rebuild, halt, resume), and the reference domain's walk-through with its activation mail.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * HTTP suites that run on the Cosmos DB store (startTestServer honours EVENTLOG_TEST_STORE). Where Cosmos DB
 * documents another value (health's `store`; a consumer's `lag`, null without a global position, and its
 * `position`, the events applied), the suites expect it by the store they run on.
 */
const SUITES = [
  'test/int/appendAndRead.test.ts',
  'test/int/badInput.test.ts',
  'test/int/auth.test.ts',
  'test/int/client.test.ts',
  'test/int/conformance.test.ts',
  'test/int/views.test.ts',
  'test/int/projections.test.ts',
  'test/int/users.test.ts',
  'test/int/users-reservations.test.ts',
  'test/int/erasure.test.ts',
  'test/int/posts.test.ts',
  'test/int/lifecycle.test.ts',
];

/**
 * Tests of those suites that do not run on Cosmos DB, by name, with the reason. Empty: the test account
 * supports every one of them, and none asserts what Cosmos DB does not promise (a global order).
 */
const NOT_ON_COSMOS: Record<string, string> = {};

interface JsonReport {
  testResults: Array<{ name: string; assertionResults: Array<{ title: string; status: string; failureMessages: string[] }> }>;
}

/** Runs the suites in a child vitest with EVENTLOG_TEST_STORE=cosmos and returns its JSON report. */
const runSuitesOnCosmos = async (): Promise<JsonReport> => {
  const dir = tempDir('eventlog-cosmos-http-');
  const output = join(dir, 'report.json');
  const excluded = Object.keys(NOT_ON_COSMOS).map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  try {
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'node_modules/vitest/vitest.mjs'),
        'run',
        ...SUITES,
        '--reporter=json',
        `--outputFile=${output}`,
        ...(excluded.length > 0 ? [`--testNamePattern=^(?!.*(${excluded.join('|')})).*$`] : []),
      ],
      { cwd: ROOT, env: { ...process.env, EVENTLOG_TEST_STORE: 'cosmos' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let log = '';
    child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    await new Promise((resolve) => child.once('exit', resolve));
    try {
      return JSON.parse(readFileSync(output, 'utf8')) as JsonReport;
    } catch {
      throw new Error(`the child test run wrote no report:\n${log.slice(-4000)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

describe('the HTTP integration suite on the Cosmos DB store', () => {
  it('passes as on the embedded store, but for the tests listed by name as not for Cosmos DB (none)', async () => {
    for (const [name, reason] of Object.entries(NOT_ON_COSMOS)) console.info(`not run on Cosmos DB: "${name}": ${reason}`);
    const report = await runSuitesOnCosmos();
    const results = report.testResults.flatMap((file) => file.assertionResults);
    const failed = results.filter((r) => r.status === 'failed').map((r) => `${r.title}\n${r.failureMessages.join('\n').slice(0, 600)}`);
    expect(failed).toEqual([]);
    expect(results.filter((r) => r.status === 'passed').length).toBeGreaterThan(100);
    expect(results.filter((r) => r.status !== 'passed').map((r) => `${r.status}: ${r.title}`)).toEqual([]);
    expect(report.testResults.map((file) => file.name.slice(ROOT.length))).toEqual(expect.arrayContaining(SUITES));
  }, 180_000);
});

describe('npm start with EVENT_STORE=cosmos', () => {
  let server: CosmosTestAccount;
  let close: (() => Promise<void>) | undefined;
  let host: ChildHost;
  beforeAll(async () => {
    const started = await startCosmosAccountForApp();
    server = started.account;
    close = started.close;
    host = await startChildHost({ ...started.env, REGION: 'westeurope' });
  });
  afterAll(async () => {
    host?.process.kill('SIGTERM');
    await host?.exited;
    await close?.();
  });

  const append = (path: string, body: unknown) =>
    fetch(`${host.url}/api/streams/${path}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('appends, reads and refuses a stale version through the local host', async () => {
    const created = await append('Order/npm-start-1', { expectedVersion: 'no_stream', events: [{ type: 'Placed', data: { n: 1 } }, { type: 'Paid', data: {} }] });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ version: 2, streamId: 'Order-npm-start-1' });
    const read = await (await fetch(`${host.url}/api/streams/Order/npm-start-1/events`)).json();
    expect(read).toMatchObject({ version: 2, events: [{ sequence: 1, type: 'Placed', region: 'westeurope' }, { sequence: 2, type: 'Paid' }] });
    const stale = await append('Order/npm-start-1', { expectedVersion: 1, events: [{ type: 'Late', data: {} }] });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ type: 'concurrency-conflict', expectedVersion: 1, currentVersion: 2 });
  });

  it('reports the Cosmos DB store in health', async () => {
    const health = await fetch(`${host.url}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', store: 'cosmos', region: 'westeurope' });
  });

  it('answers 503 with Retry-After while the account throttles beyond the retries', async () => {
    const stop = server.intercept((r) => (isBatch(r) ? serviceResponses.throttled(100) : undefined));
    try {
      const throttled = await append('Order/npm-start-2', { events: [{ type: 'Placed', data: {} }] });
      expect(throttled.status).toBe(503);
      expect(throttled.headers.get('retry-after')).toBe('1');
      expect(await throttled.json()).toMatchObject({ type: 'store-unavailable', status: 503 });
    } finally {
      stop();
    }
    expect((await fetch(`${host.url}/api/streams/Order/npm-start-2/events`)).status).toBe(404);
  });

  it('passes over a document that is not an event: views answer atLeast, and every consumer counts it once', async () => {
    // One rule for documents of `events` (src/core/feedDocuments.ts): events are applied, the product's
    // stream heads passed over, anything else passed over and counted (ignoredDocuments).
    const events = server.client().database('eventlog').container('events');
    await events.items.create({ id: 'note-1', streamId: 'Misc-1', note: 'written by hand, not an event' });
    const appended = await append('Order/npm-start-note', { events: [{ type: 'Placed', data: {} }] });
    expect(appended.status).toBe(201);
    const { streamId, consistencyToken } = (await appended.json()) as { streamId: string; consistencyToken: string };
    const view = await fetch(`${host.url}/api/views/stream/${streamId}?atLeast=${encodeURIComponent(consistencyToken)}`);
    expect(view.status).toBe(200);
    expect(await view.json()).toMatchObject({ data: { streamId, version: 1 } });

    type Entry = { name: string; kind: string; ignoredDocuments: number; status: string };
    let entries: Entry[] = [];
    for (let i = 0; i < 200; i++) {
      entries = ((await (await fetch(`${host.url}/api/projections`)).json()) as { projections: Entry[] }).projections;
      if (entries.every((entry) => entry.ignoredDocuments >= 1)) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(entries.map((entry) => entry.kind)).toEqual(expect.arrayContaining(['projection', 'reactor']));
    expect(entries.map(({ name, ignoredDocuments, status }) => ({ name, ignoredDocuments, status }))).toEqual(
      entries.map(({ name }) => ({ name, ignoredDocuments: 1, status: 'running' })),
    );
  });
});
