// `npm run bench [-- --quick] [--only=<group,...>] [--out=<file>] [--profile]`
// Runs every scenario, prints one JSON line per scenario and writes docs/benchmarks.md; with
// --profile the HTTP hosts run under `--cpu-prof` and the report says where their time went.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { interleave, pairedRatio, type Contender, type Measured } from './measure.ts';
import { summarizeProfile } from './profile.ts';
import { DEFAULT_BATCH_SIZE } from '../../src/consumers/follower.ts';
import { jsonLine, writeReport, type Profile, type Row, type Target } from './report.ts';
import { aggregateLoads } from './scenarios/aggregateLoad.ts';
import { cosmosCost } from './scenarios/cosmosCost.ts';
import { loadEmmettSqlite } from './scenarios/emmett.ts';
import { appendToFeedDelivered } from './scenarios/feed.ts';
import { appendToViewVisible, httpAppend, reconnected, startHostProcess, type HostKind } from './scenarios/http.ts';
import { logRead, projectionCatchUp } from './scenarios/projections.ts';
import { rawSqlite } from './scenarios/rawSqlite.ts';
import { storeAppend } from './scenarios/storeAppend.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string' },
    profile: { type: 'boolean', default: false },
  },
});
const quick = args.quick!;
const ROUNDS = quick ? 1 : 5;
const ROUND_MS = quick ? 1_000 : 2_000;
const PROJECTED_EVENTS = quick ? 10_000 : 30_000;
const LONG_STREAM = 100_000;
const GROUPS = ['store-1x1', 'store-64x1', 'store-1x10', 'store-64x10', 'http-1', 'http-64', 'http-256', 'feed', 'projections', 'aggregate-load', 'cosmos-ru'];
const only = new Set(args.only?.split(',') ?? GROUPS);
const out = args.out ?? fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));

const root = mkdtempSync(join(tmpdir(), 'eventlog-bench-'));
const dirFor = (name: string) => mkdtempSync(join(root, `${name.replace(/[^a-z0-9]+/gi, '-')}-`));
const rows: Row[] = [];
const notes: string[] = [];
const emit = (row: Row) => {
  rows.push(row);
  process.stdout.write(`${jsonLine(row)}\n`);
};
/** This process's resident memory, for scenarios that run in it. */
const ownRss = () => process.memoryUsage.rss() / 2 ** 20;
const baselineRow = (m: Measured, rssMb: number | undefined = ownRss()) =>
  emit({ scenario: m.name, eventsPerSec: m.eventsPerSec, p50Ms: m.p50Ms, p99Ms: m.p99Ms, baseline: null, ratio: null, rssMb });
const comparedRow = (m: Measured, baseline: Measured, scenario = m.name, pick: 'events' | 'operations' = 'events', rssMb: number | undefined = ownRss()) =>
  emit({ scenario, eventsPerSec: m.eventsPerSec, p50Ms: m.p50Ms, p99Ms: m.p99Ms, baseline: baseline.name, ratio: pairedRatio(m, baseline, pick), rssMb });
const find = (scenario: string) => rows.find((r) => r.scenario === scenario);

const profiles: Profile[] = [];
const profileDir = (kind: HostKind, clients: number) => join(root, `profile-${kind}-${clients}`);
const startHost = async (kind: HostKind, clients: number) => ({
  kind,
  host: await startHostProcess(kind, dirFor(`http-${kind}`), args.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir(kind, clients)}`] : []),
});

const peer = await loadEmmettSqlite();
if (!peer.ok) process.stderr.write(`skipping the peer scenarios: ${peer.reason}\n`);

/** Store API against the raw-SQLite baseline at the same batch size (and the peer, where it has the workload). */
const storeGroup = async (writers: number, eventsPerAppend: number, extra: { peer?: boolean; layouts?: boolean } = {}) => {
  const label = (w: number, e: number) => `${w} writer${w === 1 ? '' : 's'} x ${e} event${e === 1 ? '' : 's'}`;
  const raw = rawSqlite(`raw-sqlite, ${writers * eventsPerAppend} row${writers * eventsPerAppend === 1 ? '' : 's'}/txn`, dirFor('raw'), writers, writers * eventsPerAppend);
  const store = storeAppend(`store-api, ${label(writers, eventsPerAppend)}`, dirFor('store'), writers, eventsPerAppend);
  const contenders: Contender[] = [raw, store];
  const randomIds = extra.layouts ? rawSqlite(`${raw.name}, random ids (earlier layout)`, dirFor('raw-random'), writers, writers * eventsPerAppend, true) : undefined;
  if (randomIds) contenders.push(randomIds);
  const peers = extra.peer && peer.ok
    ? [
        peer.open(dirFor('emmett'), `emmett-sqlite ${peer.version} event store, ${label(writers, eventsPerAppend)}`, writers, 'event-store'),
        peer.open(dirFor('emmett'), `emmett-sqlite ${peer.version} appendToStream on one connection, ${label(writers, eventsPerAppend)}`, writers, 'connection'),
      ]
    : [];
  contenders.push(...peers);
  await store.round(300);
  const measured = await interleave(contenders, ROUNDS, ROUND_MS);
  const m = (c: Contender) => measured.get(c.name)!;
  baselineRow(m(raw));
  for (const p of peers) baselineRow(m(p));
  if (randomIds) comparedRow(m(randomIds), m(raw));
  comparedRow(m(store), m(raw));
  peers.forEach((p, i) => comparedRow(m(store), m(p), `${store.name}, vs peer${i === 0 ? '' : ' on one connection'}`));
  const { transactions, requests } = store.store.commitStats;
  notes.push(`${store.name}: ${(requests / transactions).toFixed(1)} appends per commit on average (group commit).`);
  raw.close();
  randomIds?.close();
  await store.close();
};

/**
 * HTTP appends by `clients` keep-alive clients against three hosts in child processes: a no-op
 * `node:http` server (the baseline), the app without its projections, and the host as shipped; at 64
 * clients also the time from an append to a view that shows it.
 */
const httpGroup = async (clients: number) => {
  const hosts = await Promise.all((['no-op', 'append-only', 'shipped'] as const).map((kind) => startHost(kind, clients)));
  const httpName: Record<HostKind, string> = {
    'no-op': `http no-op server, ${clients} client${clients === 1 ? '' : 's'}`,
    'append-only': `http-append (no projections), ${clients} client${clients === 1 ? '' : 's'} x 1 event`,
    shipped: `http-append, ${clients} client${clients === 1 ? '' : 's'} x 1 event`,
  };
  const shipped = hosts.find((h) => h.kind === 'shipped')!.host;
  const https = hosts.map(({ kind, host }) => {
    const http = httpAppend(httpName[kind], host, clients);
    const load = http.round;
    return Object.assign(http, {
      kind,
      round: async (ms: number) => {
        const sample = await load(ms);
        if (kind === 'shipped' && !(await http.caughtUp(120_000))) notes.push(`${http.name}: the host’s projections had not caught up 120 s after a round.`);
        return sample;
      },
    });
  });
  const visible = clients === 64 ? appendToViewVisible(`append to view visible, ${clients} clients`, shipped, clients) : undefined;
  const contenders: Contender[] = [...https, ...(visible ? [visible] : [])];
  for (const contender of contenders) await contender.round(300); // warm the sockets and the JIT
  const measured = await interleave(contenders, ROUNDS, ROUND_MS);
  const rss = (kind: HostKind) => hosts.find((h) => h.kind === kind)!.host.rssMb();
  const [noop, ...appends] = https;
  baselineRow(measured.get(noop!.name)!, rss('no-op'));
  for (const http of appends) comparedRow(measured.get(http.name)!, measured.get(noop!.name)!, undefined, 'events', rss(http.kind));
  if (visible) comparedRow(measured.get(visible.name)!, measured.get(https.find((h) => h.kind === 'shipped')!.name)!, undefined, 'events', rss('shipped'));
  for (const http of https) http.close();
  visible?.close();
  for (const { host } of hosts) await host.stop();
  if (args.profile)
    for (const { kind } of hosts) {
      const shares = summarizeProfile(profileDir(kind, clients));
      if (shares) profiles.push({ host: httpName[kind], shares });
    }
};

const started = performance.now();
if (only.has('store-1x1')) await storeGroup(1, 1, { peer: true });
if (only.has('store-64x1')) await storeGroup(64, 1, { peer: true, layouts: true });
if (only.has('store-1x10')) await storeGroup(1, 10);
if (only.has('store-64x10')) await storeGroup(64, 10);
for (const clients of [1, 64, 256]) if (only.has(`http-${clients}`)) await httpGroup(clients);

/** Append to delivery over the feed's SSE stream, on the shipped host, against plain appends to that host by as many clients. */
if (only.has('feed')) {
  const { host } = await startHost('shipped', 16);
  const appends = httpAppend('http-append, 16 clients x 1 event (feed baseline)', host, 16);
  const one = await appendToFeedDelivered('append to SSE delivery, 1 client', host, 1);
  const many = await appendToFeedDelivered('append to SSE delivery, 16 clients', host, 16);
  const contenders = [appends, one, many];
  for (const contender of contenders) await contender.round(300);
  const measured = await interleave(contenders, ROUNDS, ROUND_MS);
  baselineRow(measured.get(appends.name)!, host.rssMb());
  comparedRow(measured.get(one.name)!, measured.get(appends.name)!, undefined, 'events', host.rssMb());
  comparedRow(measured.get(many.name)!, measured.get(appends.name)!, undefined, 'events', host.rssMb());
  for (const contender of contenders) contender.close();
  await host.stop();
}

if (only.has('projections')) {
  const read = logRead(`log-read, pages of ${DEFAULT_BATCH_SIZE}`, root, PROJECTED_EVENTS, 500);
  const project = projectionCatchUp(`projections catching up, ${PROJECTED_EVENTS} events`, root, PROJECTED_EVENTS, 500);
  const measured = await interleave([read, project], ROUNDS, ROUND_MS);
  baselineRow(measured.get(read.name)!);
  comparedRow(measured.get(project.name)!, measured.get(read.name)!);
}

if (only.has('aggregate-load')) {
  const loads = await aggregateLoads(dirFor('aggregate'), 10, LONG_STREAM, 10);
  const measured = await interleave([loads.short, loads.longWithSnapshot, loads.longWithoutSnapshot], ROUNDS, ROUND_MS);
  const short = measured.get(loads.short.name)!;
  baselineRow(short);
  comparedRow(measured.get(loads.longWithSnapshot.name)!, short, undefined, 'operations');
  comparedRow(measured.get(loads.longWithoutSnapshot.name)!, short, undefined, 'operations');
  await loads.close();
}
// Request units on the Cosmos DB test account (its own model), beside Microsoft's documented figures.
const cosmos = only.has('cosmos-ru') ? await cosmosCost({ quick }) : undefined;
cosmos?.rows.forEach(emit);
const seconds = (performance.now() - started) / 1000;
rmSync(root, { recursive: true, force: true });

// The targets, judged from this run's rows.
const targets: Target[] = [];
const rawRatio = find('store-api, 64 writers x 1 event')?.ratio;
if (rawRatio != null)
  targets.push({ claim: 'store API, 64 writers x 1 event: at least 50% of raw SQLite batched inserts at the same durability', measured: `${(rawRatio * 100).toFixed(0)}%`, met: rawRatio >= 0.5 });
const peerRatio = find('store-api, 64 writers x 1 event, vs peer')?.ratio;
if (peerRatio != null)
  targets.push({ claim: 'store API, 64 writers x 1 event: at least 30 times Emmett-SQLite on the same workload', measured: `${peerRatio.toFixed(1)}x`, met: peerRatio >= 30 });
const http = find('http-append, 64 clients x 1 event');
const ceiling = find('http no-op server, 64 clients');
if (http?.ratio != null)
  targets.push({
    claim: 'HTTP append, 64 clients x 1 event, the host’s projections running: at least 0.5x the no-op `node:http` server, p99 under 50 ms',
    measured:
      `${http.ratio.toFixed(2)}x (${Math.round(http.eventsPerSec).toLocaleString('en-US')} events/s against ${Math.round(ceiling?.eventsPerSec ?? 0).toLocaleString('en-US')} requests/s), p99 ${http.p99Ms?.toFixed(1)} ms`,
    met: http.ratio >= 0.5 && (http.p99Ms ?? Infinity) < 50,
  });
const visible = find('append to view visible, 64 clients');
if (visible)
  targets.push({ claim: 'append to view visible, 64 clients: p99 under 50 ms', measured: `p50 ${visible.p50Ms?.toFixed(1)} ms, p99 ${visible.p99Ms?.toFixed(1)} ms`, met: (visible.p99Ms ?? Infinity) < 50 });
for (const feed of rows.filter((r) => r.scenario.startsWith('append to SSE delivery')))
  targets.push({ claim: `${feed.scenario}, embedded store: p99 under 50 ms`, measured: `p50 ${feed.p50Ms?.toFixed(1)} ms, p99 ${feed.p99Ms?.toFixed(1)} ms`, met: (feed.p99Ms ?? Infinity) < 50 });
const catchUp = rows.find((r) => r.scenario.startsWith('projections catching up'));
if (catchUp?.ratio != null)
  targets.push({ claim: 'projections catching up, all of the app’s projections at once: at least 0.5x reading the log alone', measured: `${catchUp.ratio.toFixed(2)}x`, met: catchUp.ratio >= 0.5 });
const snap = rows.find((r) => r.scenario.includes('+ snapshot'));
if (snap?.ratio != null)
  targets.push({ claim: `loading ${LONG_STREAM.toLocaleString('en-US')} events with a snapshot costs about as much as 10 events`, measured: `${snap.ratio.toFixed(2)}x the loads/s of a 10-event stream`, met: snap.ratio >= 0.5 });

targets.push(...(cosmos?.targets ?? []));
notes.push(...(cosmos?.notes ?? []));
notes.unshift(
  'events/s: events written (or projected, or read) per second, median over rounds; p50/p99: latency of one operation (an append as its writer waits for it, a raw transaction, a page read, an aggregate load) over all rounds.',
  'raw-sqlite: plain `node:sqlite` inserts into the store’s own table and pragmas (WAL, synchronous=FULL), as many rows per BEGIN IMMEDIATE…COMMIT as group commit would batch: the disk’s limit at that durability.',
  'store-api: `appendEvents` on the SQLite store, each writer appending to its own stream at the version it last saw; concurrent writers share commits through group commit.',
  peer.ok
    ? `Peer: Emmett with \`@event-driven-io/emmett-sqlite\` ${peer.version} (${peer.durability}: the same durability), same workload, two ways: its documented event store (\`getSQLiteEventStore\`, which opens and closes a connection per operation) and its exported \`appendToStream\` on one long-lived connection (its best case). Either runs one append at a time (concurrent appends fail with SQLITE_MISUSE or mix in one transaction), so its writers take turns; appends it failed with SQLITE_BUSY were retried (${peer.errors()} in this run).`
    : `Peer not measured: ${peer.reason}.`,
  'http no-op server: a bare `node:http` server that parses each body and answers 201, doing nothing else (`test/bench/noopHost.ts`): what the HTTP stack and these clients allow at all, the baseline of the HTTP rows.',
  `http-append: the local host as \`npm start\` runs it (its projections following the log), in a child process; the keep-alive clients (1, 64 or 256, each appending to its own stream at the version it last saw) run in the benchmark process. Between rounds the benchmark waits for the host’s projections to catch up. “(no projections)” is the same app and server without the log follower (\`test/bench/appendOnlyHost.ts\`): the append path alone. A request the host’s closing of an idle keep-alive socket interrupted is sent again once on a fresh socket (\`request.reusedSocket\`); this run did so ${reconnected()} time(s).`,
  'append to view visible: the shipped host, each client appending one event and then reading its stream’s `stream` view with the append’s consistency token (`atLeast`, `wait=5000`); latency is from sending the append to holding the view that shows it, and the ratio compares its rate with plain appends to the same host.',
  'append to SSE delivery: the shipped host with one Server-Sent Events client of `GET /api/feed` (the product’s client, following from `now`); each client appends one event with an id it chose and waits until the SSE client receives it; latency is from sending the append to the delivery, and the ratio compares its rate with plain appends by 16 clients to the same host.',
  'Projections: the local host’s consumers (every projection and reactor of the app) and their log follower catching up on a filled log, against merely reading that log (`GlobalLog.readAll`) in the follower’s page size.',
  'RSS MiB: resident memory at the end of the scenario, of the host process for HTTP rows (Linux `/proc`), of the benchmark process otherwise.',
  'Aggregate loads: events/s here is the stream length times loads per second, and the ratio compares loads per second, so a ratio near 1 means a load costs about what loading 10 events costs. The snapshot was taken 10 events before the end of the stream.',
);
writeReport(out, { quick, rounds: ROUNDS, roundMs: ROUND_MS, startedAt: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC', seconds, rows, targets, notes, profiles });
process.stderr.write(`wrote ${out} in ${seconds.toFixed(0)} s\n`);
