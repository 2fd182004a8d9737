import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiJson } from '../../src/api/openapi.ts';
import { defineProjection, defineView, type EventEnvelope } from '../../src/core/index.ts';
import { initAccountDatabase, startCosmosAccount, TEST_KEY, type CosmosTestAccount } from '../support/cosmosAccount/index.ts';
import { onlyProjections, postJson, startTestServer, type TestServer } from '../support/http.ts';
import { runCliInProcess } from '../support/cliInProcess.ts';
import { runProcess, tempDirs, type ProcessRun } from '../support/processes.ts';
import { productRoutes } from '../support/productRoutes.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const API_KEY = 'cli-api-key';
const ADMIN_KEY = 'cli-admin-key';

type Run = ProcessRun;

/** Runs `eventlog` as a child process, as a user would; bounded in time. */
const eventlog = (
  args: string[],
  options: { env?: Record<string, string>; input?: string; timeoutMs?: number; onStart?: (kill: (signal: NodeJS.Signals) => void, child: ChildProcess) => void } = {},
): Promise<Run> =>
  runProcess(process.execPath, ['--disable-warning=ExperimentalWarning', MAIN, ...args], {
    // Nothing from the test's own environment decides where the CLI goes or which store it opens.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    input: options.input,
    timeoutMs: options.timeoutMs,
    onStart: (child) => options.onStart?.((signal) => child.kill(signal), child),
  });

/** Runs a command line in this process with captured output. */
const inProcess = (args: string[]): Promise<Run> => runCliInProcess(args);

const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '');
const parseLines = (text: string): EventEnvelope[] => lines(text).map((line) => JSON.parse(line) as EventEnvelope);
const withoutRecordedAt = (events: EventEnvelope[]) => events.map(({ recordedAt: _recordedAt, ...event }) => event);

// Halts on `Poisoned` events while `AUDIT_BROKEN` says so in the server: resume retries, skip moves past.
const auditProjection = defineProjection({
  name: 'audit',
  version: 1,
  eventTypes: ['Poisoned'],
  views: [defineView({ name: 'audit', keysOf: (e) => [e.streamId], reduce: (_c, e) => { throw new Error(`cannot audit ${e.type}`); } })],
});

let server: TestServer;
let http: string[];
let admin: string[];

beforeAll(async () => {
  server = await startTestServer(
    { EVENT_STORE: 'sqlite', API_KEY, ADMIN_KEY, PROJECTION_MAX_ATTEMPTS: '1' },
    { modules: onlyProjections(auditProjection) },
  );
  http = ['--url', server.url, '--key', API_KEY];
  admin = ['--url', server.url, '--key', ADMIN_KEY];
});

afterAll(async () => {
  await server.close();
});

describe('eventlog --help', () => {
  it('documents every command and subcommand, and exits 0', async () => {
    const root = await eventlog(['--help']);
    expect(root.code).toBe(0);
    const commands = ['append', 'read', 'tail', 'consume', 'projections', 'export', 'import', 'init', 'openapi'];
    for (const command of commands) expect(root.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    // Each command's help in-process (the same code the bin runs), to keep the suite quick.
    for (const command of [...commands.map((c) => [c]), ['projections', 'status'], ['projections', 'rebuild'], ['projections', 'resume'], ['projections', 'skip']]) {
      const run = await inProcess([...command, '--help']);
      expect([run.code, run.stderr], command.join(' ')).toEqual([0, '']);
      expect(run.stdout, command.join(' ')).toContain(`Usage: eventlog ${command.join(' ')}`);
    }
  });

  it('passes failover --help to the infra script', async () => {
    const run = await eventlog(['failover', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--to <region>');
  });
});

describe('eventlog append, read and tail over HTTP', () => {
  it('appends events and reads them back, pretty and as JSON lines', async () => {
    const appended = await eventlog(['append', 'Order-cli1', '-t', 'OrderPlaced', '-d', '{"total":30}', '-m', '{"correlationId":"c-9"}', '-e', 'no_stream', ...http]);
    expect([appended.code, appended.stdout.trim()]).toEqual([0, 'appended 1 event(s) to Order-cli1 as #1; version 1']);
    const batch = await eventlog(['append', 'Order/cli1', '-f', '-', '--json', ...http], {
      input: '{"type":"ItemAdded","data":{"sku":"a"}}\n[{"type":"ItemAdded","data":{"sku":"b"}}]\n',
    });
    expect(batch.code).toBe(0);
    expect(JSON.parse(batch.stdout)).toMatchObject({ firstSequence: 2, lastSequence: 3, replayed: false });

    const pretty = await eventlog(['read', 'Order-cli1', ...http]);
    expect(pretty.code).toBe(0);
    expect(lines(pretty.stdout)).toHaveLength(3);
    expect(lines(pretty.stdout)[0]).toMatch(/^#1 {2}\d{4}-\d\d-\d\dT.* {2}OrderPlaced {2}\{"total":30\} {2}\(correlation c-9\)$/);

    const json = await eventlog(['read', 'Order-cli1', '--json', '--from', '2', ...http]);
    expect(parseLines(json.stdout).map((e) => [e.sequence, e.data])).toEqual([
      [2, { sku: 'a' }],
      [3, { sku: 'b' }],
    ]);
    const travelled = await eventlog(['read', 'Order-cli1', '--json', '--as-of', parseLines(json.stdout)[0]!.recordedAt, ...http]);
    expect(parseLines(travelled.stdout).length).toBeGreaterThanOrEqual(2);
  });

  it('fails with one line and an exit code that tells why', async () => {
    const conflict = await eventlog(['append', 'Order-cli1', '-t', 'Again', '-e', 'no_stream', ...http]);
    expect([conflict.code, lines(conflict.stderr)]).toEqual([1, [expect.stringMatching(/^eventlog: 409 concurrency-conflict: stream Order-cli1 is at version \d+/)]]);
    const missing = await eventlog(['read', 'Order-none', ...http]);
    expect([missing.code, missing.stderr]).toEqual([1, 'eventlog: stream Order-none has no events\n']);
    const usage = await eventlog(['read', 'no stream here', ...http]);
    expect([usage.code, lines(usage.stderr).length]).toEqual([2, 1]);
    const option = await eventlog(['read', 'Order-cli1', '--frm', '2', ...http]);
    expect([option.code, option.stderr]).toEqual([2, expect.stringMatching(/^eventlog: unknown option '--frm'.*\n$/)]);
    const noKey = await eventlog(['read', 'Order-cli1', '--url', server.url]);
    expect([noKey.code, noKey.stderr]).toEqual([1, expect.stringMatching(/^eventlog: 401 unauthorized: /)]);
    const down = await eventlog(['read', 'Order-cli1', '--url', 'http://127.0.0.1:9', '--request-timeout', '2s']);
    expect([down.code, down.stderr]).toEqual([3, expect.stringMatching(/^eventlog: no answer from http:\/\/127\.0\.0\.1:9\/api\/.*\n$/)]);
    const badEvent = await eventlog(['append', 'Order-cli1', '-t', 'X', '-d', '[1]', ...http]);
    expect([badEvent.code, lines(badEvent.stderr).length]).toEqual([2, 1]);
  });

  it('tells a wrong --url (no route) from a stream without events, and names the URL it called', async () => {
    const wrong = `${server.url}/wrong`;
    const read = await eventlog(['read', 'Order-42', '--url', wrong, '--key', API_KEY]);
    expect([read.code, read.stderr]).toEqual([
      1,
      `eventlog: 404 no-route: no route for GET /wrong/api/streams/Order/42/events; called ${wrong}/api/streams/Order/42/events?limit=1000 (is --url the base URL of the API?)\n`,
    ]);
    const tail = await eventlog(['tail', 'Order-42', '--url', wrong, '--key', API_KEY]);
    expect([tail.code, tail.stderr]).toEqual([1, expect.stringMatching(/^eventlog: 404 no-route: no route for GET \/wrong\/api\/feed; called http:\/\/.*\n$/)]);
    const missing = await eventlog(['read', 'Order-42', ...http]);
    expect([missing.code, missing.stderr]).toEqual([1, 'eventlog: stream Order-42 has no events\n']);
  });

  it('takes durations with a unit everywhere, a bare number in the unit its help states, and refuses others in one line', async () => {
    // --timeout 1500ms stops after 1.5 s; the bare --timeout 1 is one second, as before units existed.
    for (const timeout of ['1500ms', '1']) {
      const started = Date.now();
      const run = await eventlog(['tail', 'Order-cli1', '--timeout', timeout, ...http]);
      expect(run.code).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
    }
    const bad = await eventlog(['tail', 'Order-cli1', '--timeout', '5x', ...http]);
    expect([bad.code, bad.stderr]).toEqual([2, `eventlog: option '--timeout <duration>' argument '5x' is invalid. --timeout must be a duration such as 500ms, 5s or 2m (got "5x")\n`]);
    const zero = await eventlog(['projections', 'rebuild', 'stream', '--interval', '0ms', ...admin]);
    expect([zero.code, lines(zero.stderr)]).toEqual([2, [expect.stringMatching(/--interval must be at least 1ms/)]]);
    const help = (await inProcess(['projections', 'rebuild', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).toMatch(/--interval <duration> [^(]*, e\.g\. 500ms, 5s, 2m \(a bare number is milliseconds\)/);
    for (const command of [['tail'], ['consume'], ['projections', 'rebuild']])
      expect((await inProcess([...command, '--help'])).stdout.replace(/\s+/g, ' ')).toMatch(/--timeout <duration> [^(]*, e\.g\. 500ms, 5s, 2m \(a bare number is seconds\)/);
  });

  it('tails new events until its timeout, and stops on Ctrl-C', async () => {
    await postJson(server, '/api/streams/Order/cli-tail/events', { events: [{ type: 'Before', data: {} }] }, { 'x-functions-key': API_KEY });
    let appendLater: Promise<unknown> | undefined;
    // --from 2: what it prints does not depend on how long the CLI takes to start on a busy machine.
    const tail = await eventlog(['tail', 'Order-cli-tail', '--from', '2', '--timeout', '3s', '--json', ...http], {
      onStart: () => {
        appendLater = new Promise((resolve) => setTimeout(resolve, 1000)).then(() =>
          postJson(server, '/api/streams/Order/cli-tail/events', { events: [{ type: 'After', data: { n: 1 } }, { type: 'After', data: { n: 2 } }] }, { 'x-functions-key': API_KEY }),
        );
      },
    });
    await appendLater;
    expect(tail.code).toBe(0);
    expect(parseLines(tail.stdout).map((e) => [e.sequence, e.type])).toEqual([
      [2, 'After'],
      [3, 'After'],
    ]);

    // Without --from it starts after the current version: nothing of the three events already there.
    const fromNow = await eventlog(['tail', 'Order-cli-tail', '--timeout', '1s', '--json', ...http]);
    expect([fromNow.code, fromNow.stdout]).toEqual([0, '']);

    // Ctrl-C once it has printed (so it is past its start): it stops and exits 0.
    const interrupted = await eventlog(['tail', 'Order-cli-tail', '--from', '1', ...http], {
      onStart: (kill, child) => child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('Before') && kill('SIGINT')),
    });
    expect([interrupted.code, lines(interrupted.stdout)]).toEqual([0, expect.arrayContaining([expect.stringContaining('Before')])]);
  });
});

describe('eventlog tail --category and consume, over the feed', () => {
  it('tails a category: events of every stream of that type as they are appended, each line naming its stream', async () => {
    let appendLater: Promise<unknown> | undefined;
    // Appends once tail says it follows (on stderr), so what it prints does not depend on how long the CLI takes to start.
    const tail = await eventlog(['tail', '--category', 'Shop', '--timeout', '4s', ...http], {
      onStart: (_kill, child) =>
        child.stderr!.once('data', () => {
          appendLater = (async () => {
            for (const [type, id] of [['Shop', 'a'], ['Till', 'x'], ['Shop', 'b']])
              await postJson(server, `/api/streams/${type}/${id}/events`, { events: [{ type: 'Opened', data: { id } }] }, { 'x-functions-key': API_KEY });
          })();
        }),
    });
    await appendLater;
    expect([tail.code, tail.stderr]).toEqual([0, 'eventlog: following category Shop\n']);
    expect(lines(tail.stdout)).toEqual([expect.stringMatching(/^Shop-a  #1  \S+  Opened  \{"id":"a"\}$/), expect.stringMatching(/^Shop-b  #1  \S+  Opened  \{"id":"b"\}$/)]);
  });

  it('tail takes a stream or --category, not both and not neither, in one line', async () => {
    for (const args of [['tail', 'Order-1', '--category', 'Order'], ['tail'], ['tail', '--category', 'Or-der']]) {
      const run = await eventlog([...args, ...http]);
      expect([run.code, lines(run.stderr).length], args.join(' ')).toEqual([2, 1]);
    }
  });

  it("consume prints a group's events and acknowledges them, so a second run prints none of them again", async () => {
    for (const id of ['i1', 'i2'])
      await postJson(server, `/api/streams/Invoice/${id}/events`, { events: [{ type: 'Issued', data: {} }, { type: 'Paid', data: {} }] }, { 'x-functions-key': API_KEY });
    const first = await eventlog(['consume', 'invoices', '--create', '--category', 'Invoice', '--timeout', '2s', '--json', ...http]);
    expect(first.code).toBe(0);
    expect(parseLines(first.stdout).map((e) => `${e.streamId}/${e.sequence}`)).toEqual(['Invoice-i1/1', 'Invoice-i1/2', 'Invoice-i2/1', 'Invoice-i2/2']);
    const status = await server.request('/api/consumers/invoices', { headers: { 'x-functions-key': API_KEY } });
    expect(await status.json()).toMatchObject({ acknowledged: 4, pending: 0, filter: { category: 'Invoice' } });

    const second = await eventlog(['consume', 'invoices', '--timeout', '1s', '--json', ...http]);
    expect([second.code, second.stdout]).toEqual([0, '']);
    const unknown = await eventlog(['consume', 'nosuchgroup', '--timeout', '1s', ...http]);
    expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringMatching(/^eventlog: 404 not-found: no consumer group named nosuchgroup/)]);
  });
});

describe('eventlog projections over HTTP', () => {
  it('lists status and lag, rebuilds, and resumes or skips a halted projection', async () => {
    await postJson(server, '/api/streams/Audit/cli1/events', { events: [{ type: 'Poisoned', data: {} }] }, { 'x-functions-key': API_KEY });
    let status: Run;
    for (let attempt = 0; ; attempt++) {
      status = await eventlog(['projections', 'status', ...http]);
      if (status.stdout.includes('halted on Audit-cli1#1') || attempt >= 20) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(status.code).toBe(0);
    expect(lines(status.stdout)[0]).toBe(`region local (${server.url})`);
    expect(status.stdout).toMatch(/^audit +halted .*halted on Audit-cli1#1 \(Poisoned/m);
    expect(status.stdout).toMatch(/^stream +running +\d+ +\d+ +1/m);

    const json = await eventlog(['projections', 'status', '--json', ...http]);
    expect(parseLines(json.stdout).map((e) => (e as unknown as { name: string }).name)).toEqual(expect.arrayContaining(['audit', 'stream']));

    const notAdmin = await eventlog(['projections', 'resume', 'audit', ...http]);
    expect([notAdmin.code, notAdmin.stderr]).toEqual([1, expect.stringMatching(/^eventlog: 401 unauthorized/)]);
    // The cause is not fixed: resuming retries the event, which halts the projection again.
    const resumed = await eventlog(['projections', 'resume', 'audit', ...admin]);
    expect([resumed.code, resumed.stdout]).toEqual([0, expect.stringMatching(/^resumed at Audit-cli1#1 \(event [0-9a-f-]+\); audit is (running|halted)\n$/)]);
    for (let attempt = 0; attempt < 20 && !(await eventlog(['projections', 'status', ...http])).stdout.includes('halted on'); attempt++)
      await new Promise((resolve) => setTimeout(resolve, 200));
    const skipped = await eventlog(['projections', 'skip', 'audit', ...admin]);
    expect([skipped.code, skipped.stdout]).toEqual([0, expect.stringMatching(/^skipped Audit-cli1#1 .*; audit is running\n$/)]);
    const again = await eventlog(['projections', 'skip', 'audit', ...admin]);
    expect([again.code, again.stderr]).toEqual([1, 'eventlog: projection audit is not halted (running); nothing to skip\n']);

    const rebuilt = await eventlog(['projections', 'rebuild', 'stream', '--interval', '50', ...admin]);
    expect([rebuilt.code, rebuilt.stdout]).toEqual([0, expect.stringMatching(/^rebuilt stream: generation \d+ serving, \d+ events applied, [\d.]+s\n$/)]);
    const unknown = await eventlog(['projections', 'rebuild', 'nope', ...admin]);
    expect([unknown.code, unknown.stderr]).toEqual([1, 'eventlog: 404 not-found: no projection named nope\n']);
  });
});

describe('eventlog export and import on stores', () => {
  const dir = tempDirs('eventlog-cli-');

  it('copies a SQLite log into another store with identical streams: ids, order, data, metadata, region', async () => {
    for (const n of [1, 2, 3])
      await postJson(server, `/api/streams/Copy/s${n}/events`, { events: [{ type: 'Made', data: { n }, metadata: { correlationId: `c${n}` } }, { type: 'Changed', data: { n } }] }, { 'x-functions-key': API_KEY });
    const exported = await eventlog(['export', '--data-dir', server.dataDir], { env: { EVENT_STORE: 'sqlite' } });
    expect(exported.code).toBe(0);
    expect(exported.stderr).toMatch(/^exported \d+ events\n$/);
    const source = parseLines(exported.stdout);
    expect(source.filter((e) => e.streamId.startsWith('Copy-'))).toHaveLength(6);

    const target = dir();
    const file = join(dir(), 'export.jsonl');
    writeFileSync(file, exported.stdout);
    const imported = await eventlog(['import', file, '--store', 'sqlite', '--data-dir', target]);
    expect([imported.code, imported.stdout]).toEqual([0, `imported ${source.length} events into ${new Set(source.map((e) => e.streamId)).size} streams (${source.length} read, 0 already present)\n`]);

    const copy = parseLines((await eventlog(['export', '--data-dir', target])).stdout);
    const byStream = (events: EventEnvelope[]) => withoutRecordedAt([...events].sort((a, b) => a.streamId.localeCompare(b.streamId) || a.sequence - b.sequence));
    expect(byStream(copy)).toEqual(byStream(source));

    // Served by a host on the copy, a stream reads the same as from the original.
    const copyServer = await startTestServer({ EVENT_STORE: 'sqlite', DATA_DIR: target });
    try {
      const read = async (s: TestServer, key?: string) =>
        ((await (await s.request('/api/streams/Copy/s2/events', { headers: key ? { 'x-functions-key': key } : {} })).json()) as { events: EventEnvelope[] }).events;
      expect(withoutRecordedAt(await read(copyServer))).toEqual(withoutRecordedAt(await read(server, API_KEY)));
    } finally {
      await copyServer.close();
    }

    // Again: everything is already there, nothing is written twice.
    const rerun = await eventlog(['import', '--data-dir', target], { input: exported.stdout });
    expect([rerun.code, rerun.stdout]).toEqual([0, `imported 0 events into ${new Set(source.map((e) => e.streamId)).size} streams (${source.length} read, ${source.length} already present)\n`]);
  });

  it('refuses input that does not continue the target, and leaves the target untouched', async () => {
    const target = dir();
    const event = (sequence: number, id: string): string =>
      JSON.stringify({ id, streamId: 'Copy-x', aggregateType: 'Copy', aggregateId: 'x', sequence, type: 'Made', schemaVersion: 1, data: {}, metadata: {}, recordedAt: new Date().toISOString(), region: 'local' });
    const first = await eventlog(['import', '--data-dir', target], { input: `${event(1, '3f1c0d52-1111-4a1e-9a55-000000000001')}\n` });
    expect(first.code).toBe(0);

    const different = await eventlog(['import', '--data-dir', target], {
      input: `${event(1, '3f1c0d52-1111-4a1e-9a55-0000000000ff')}\n${event(2, '3f1c0d52-1111-4a1e-9a55-000000000002')}\n`,
    });
    expect([different.code, different.stderr]).toEqual([1, expect.stringMatching(/^eventlog: stdin:1: stream Copy-x already has a different event at sequence 1 .*\n$/)]);
    const gap = await eventlog(['import', '--data-dir', target], { input: `${event(3, '3f1c0d52-1111-4a1e-9a55-000000000003')}\n` });
    expect([gap.code, gap.stderr]).toEqual([1, expect.stringMatching(/^eventlog: stdin:1: stream Copy-x starts at sequence 3, but the target is at version 1/)]);
    const garbage = await eventlog(['import', '--data-dir', target], { input: `${event(2, '3f1c0d52-1111-4a1e-9a55-000000000002')}\n{"id":1}\nnot json\n` });
    expect([garbage.code, garbage.stderr]).toEqual([1, expect.stringMatching(/^eventlog: stdin:2: not an exported event: /)]);

    const after = parseLines((await eventlog(['export', '--data-dir', target])).stdout);
    expect(after.map((e) => [e.sequence, e.id])).toEqual([[1, '3f1c0d52-1111-4a1e-9a55-000000000001']]);

    const dry = await eventlog(['import', '--dry-run', '--data-dir', target], { input: `${event(2, '3f1c0d52-1111-4a1e-9a55-000000000002')}\n` });
    expect([dry.code, dry.stdout]).toEqual([0, 'would import 1 events into 1 streams (1 read, 0 already present)\n']);
    expect(parseLines((await eventlog(['export', '--data-dir', target])).stdout)).toHaveLength(1);
  });

  it('leaves a new --data-dir as it was when the import fails, or only checks (--dry-run)', async () => {
    const parent = dir();
    const target = join(parent, 'restored');
    const badJson = await eventlog(['import', '--data-dir', target], { input: 'not json\n' });
    expect([badJson.code, badJson.stderr]).toEqual([1, expect.stringMatching(/^eventlog: stdin:1: not valid JSON \(.*\)\n$/)]);
    expect(existsSync(target)).toBe(false);
    const gap = JSON.stringify({ id: '3f1c0d52-1111-4a1e-9a55-000000000009', streamId: 'Copy-y', aggregateType: 'Copy', aggregateId: 'y', sequence: 2, type: 'Made', schemaVersion: 1, data: {}, metadata: {}, recordedAt: new Date().toISOString(), region: 'local' });
    const missingStart = await eventlog(['import', '--data-dir', target], { input: `${gap}\n` });
    expect([missingStart.code, missingStart.stderr]).toEqual([1, expect.stringMatching(/^eventlog: stdin:1: stream Copy-y starts at sequence 2, but the target has no such stream/)]);
    const noFile = await eventlog(['import', join(parent, 'nothing.jsonl'), '--data-dir', target]);
    expect([noFile.code, noFile.stderr]).toEqual([1, `eventlog: ${join(parent, 'nothing.jsonl')}: no such file\n`]);
    expect(existsSync(target)).toBe(false);

    const first = gap.replace('"sequence":2', '"sequence":1').replace('000000000009', '000000000008');
    const dry = await eventlog(['import', '--dry-run', '--data-dir', target], { input: `${first}\n` });
    expect([dry.code, dry.stdout]).toEqual([0, 'would import 1 events into 1 streams (1 read, 0 already present)\n']);
    expect(existsSync(target)).toBe(false);
    const done = await eventlog(['import', '--data-dir', target], { input: `${first}\n${gap}\n` });
    expect([done.code, done.stdout]).toEqual([0, 'imported 2 events into 1 streams (2 read, 0 already present)\n']);
    expect(parseLines((await eventlog(['export', '--data-dir', target])).stdout).map((e) => e.sequence)).toEqual([1, 2]);
  });

  it('exports named streams, and says so when the log or the stream is missing', async () => {
    const named = await eventlog(['export', 'Copy-s1', '--data-dir', server.dataDir]);
    expect(parseLines(named.stdout).map((e) => [e.streamId, e.sequence])).toEqual([
      ['Copy-s1', 1],
      ['Copy-s1', 2],
    ]);
    const missingStream = await eventlog(['export', 'Copy-none', '--data-dir', server.dataDir]);
    expect([missingStream.code, missingStream.stderr]).toEqual([1, 'eventlog: stream Copy-none has no events\n']);
    const nowhere = join(dir(), 'nothing-here');
    const missingLog = await eventlog(['export', '--data-dir', nowhere]);
    expect([missingLog.code, missingLog.stderr]).toEqual([1, `eventlog: no SQLite log at ${join(nowhere, 'events.sqlite')} (set DATA_DIR or --data-dir)\n`]);
    expect(existsSync(nowhere)).toBe(false);
    const memory = await eventlog(['export'], { env: { EVENT_STORE: 'memory' } });
    expect(memory.code).toBe(2);
    const badConfig = await eventlog(['export'], { env: { EVENT_STORE: 'oracle' } });
    expect([badConfig.code, badConfig.stderr]).toEqual([2, expect.stringMatching(/^eventlog: Invalid configuration: EVENT_STORE .*\n$/)]);
  });

  it('init prepares the configured store and can run again', async () => {
    const target = join(dir(), 'fresh');
    for (let run = 0; run < 2; run++) {
      const init = await eventlog(['init'], { env: { DATA_DIR: target } });
      expect([init.code, init.stdout]).toEqual([0, expect.stringMatching(/^SQLite log and views ready in .*fresh \(region local\)\n$/)]);
    }
    expect(existsSync(join(target, 'events.sqlite'))).toBe(true);
    expect((await eventlog(['init', '--store', 'memory'])).stdout).toMatch(/nothing to create/);
  });
});

describe('eventlog init, export and import on Cosmos DB (test account)', () => {
  let cosmos: CosmosTestAccount;
  beforeAll(async () => {
    cosmos = await startCosmosAccount();
    await initAccountDatabase(cosmos);
  });
  afterAll(async () => {
    await cosmos?.close();
  });
  const cosmosEnv = (database = 'eventlog') => ({ EVENT_STORE: 'cosmos', COSMOS_ENDPOINT: cosmos.endpoint, COSMOS_KEY: TEST_KEY, COSMOS_DATABASE: database });

  it('init creates the database and its containers, and a second run changes nothing', async () => {
    const first = await eventlog(['init'], { env: cosmosEnv('cli-init') });
    expect(first.code).toBe(0);
    expect(lines(first.stdout)).toEqual(expect.arrayContaining(['created  events account: cli-init/events', 'created  views account: cli-init/views']));
    const second = await eventlog(['init'], { env: cosmosEnv('cli-init') });
    expect(lines(second.stdout).every((line) => line.startsWith('exists '))).toBe(true);
  });

  it('migrates streams from SQLite to Cosmos DB: export, import, and the same events come back', async () => {
    for (const n of [1, 2])
      await postJson(server, `/api/streams/Move/m${n}/events`, { events: [{ type: 'Made', data: { n }, metadata: { correlationId: `m${n}` } }, { type: 'Changed', data: { n } }] }, { 'x-functions-key': API_KEY });
    const exported = await eventlog(['export', 'Move-m1', 'Move-m2', '--data-dir', server.dataDir]);
    expect(exported.code).toBe(0);
    const imported = await eventlog(['import'], { env: cosmosEnv(), input: exported.stdout });
    expect([imported.code, imported.stdout, imported.stderr]).toEqual([0, 'imported 4 events into 2 streams (4 read, 0 already present)\n', '']);
    const back = await eventlog(['export', 'Move-m1', 'Move-m2'], { env: cosmosEnv() });
    expect(withoutRecordedAt(parseLines(back.stdout))).toEqual(withoutRecordedAt(parseLines(exported.stdout)));
    const whole = await eventlog(['export'], { env: cosmosEnv() });
    expect([whole.code, whole.stderr]).toEqual([1, 'eventlog: the cosmos store cannot list the whole log here; name the streams to export\n']);
  });
});

describe('eventlog openapi', () => {
  it('prints the document the API serves', async () => {
    const run = await eventlog(['openapi']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(openApiJson(productRoutes));
    expect(readFileSync(MAIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });
});
