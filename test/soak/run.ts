// `npm run soak [-- --minutes N] [--rate R] [--workers W] [--keep] [--report]`
//
// Starts the local host as a child process (as `npm start` does) on a fresh data directory, on
// loopback, and drives a mixed load for N minutes (default 30, at most 24 hours): appends with and
// without Idempotency-Key (and replays of keyed ones), deliberate conflicts, stream reads, view reads
// with `atLeast`, the reference domain's commands (register users, create posts, add comments), and a
// rebuild request every N/6 minutes. One line per minute: requests, answers by status, p50/p99, the
// host's RSS and heap, projection lag. Then the verdict:
//   - no 5xx;
//   - every acknowledged event is in the log (raw appends by id, commands by stream version);
//   - RSS and p99 of the last N/6 minutes at most 20% above those of minutes N/6 to N/3
//     (for 30 minutes: the last five against minutes 5-10);
//   - the views equal a clean rebuild (every projection rebuilt, then every sampled document compared).
// Exit status 0 when the verdict holds; --report writes the figures into docs/benchmarks.md ("Soak").
// SOAK_HOST_ARGS adds Node options to the host (`--cpu-prof --cpu-prof-dir=<dir>` to see where its time went). RSS is read from /proc/<pid>/status where there is one, the
// heap through an IPC channel to a probe loaded into the host with --import (test/soak/memoryProbe.ts).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startChildHost, type ChildHost } from '../support/childHost.ts';
import { writeSoakSection, type MinuteLine, type SoakSummary } from './report.ts';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    rate: { type: 'string', default: '150' },
    workers: { type: 'string', default: '16' },
    keep: { type: 'boolean', default: false },
    report: { type: 'boolean', default: false },
  },
});
const MINUTES = Number(args.minutes);
const RATE = Number(args.rate);
const WORKERS = Number(args.workers);
if (!(MINUTES > 0 && MINUTES <= 24 * 60) || !(RATE > 0 && RATE <= 5_000) || !(WORKERS >= 1 && WORKERS <= 256)) {
  process.stderr.write('soak: --minutes must be in (0, 1440], --rate in (0, 5000], --workers in [1, 256]\n');
  process.exit(2);
}
const DURATION_MS = MINUTES * 60_000;
const WINDOW_MS = DURATION_MS / 6;
const SAMPLE_MS = Math.min(5_000, WINDOW_MS / 6);
const RAW_STREAMS = 200;
const PROBE = new URL('./memoryProbe.ts', import.meta.url).href;

const log = (line: string) => process.stdout.write(`${line}\n`);
const dataDir = mkdtempSync(join(tmpdir(), 'eventlog-soak-'));
const host: ChildHost = await startChildHost({ DATA_DIR: dataDir, REGION: 'soak' }, 30_000, { nodeArgs: [`--import=${PROBE}`, ...(process.env.SOAK_HOST_ARGS?.split(' ').filter(Boolean) ?? [])], ipc: true });
const pid = host.process.pid!;
// What is measured is the product, not the rest of the computer: the host and the soak itself get a
// higher scheduling priority where the operating system allows it, so other work on the same cores
// delays them less. Where it does not (no privilege), the run says so and the CPU line shows the rest.
const PRIORITY = -10;
const prioritized = [pid, process.pid].every((target) => {
  try {
    setPriority(target, PRIORITY);
    return true;
  } catch {
    return false;
  }
});
const base = host.url;
if (!/^http:\/\/(127\.0\.0\.1|\[::1\]|localhost):/.test(base)) throw new Error(`soak: the host is not on loopback (${base})`);

// ---- measurements -------------------------------------------------------------------------------

interface Sample {
  at: number;
  rssBytes: number;
  heapBytes: number;
  /** What V8 holds for its heap, used or not, and memory outside it (buffers, SQLite, the allocator). */
  heapTotalBytes: number;
  externalBytes: number;
  anonBytes: number;
  /** The longest the host's event loop was held up since the sample before. */
  loopDelayMaxMs: number;
  maxLag: number;
}

const startedAt = Date.now();
const latencies: Array<{ at: number; ms: number; action: string }> = [];
const statuses = new Map<number, number>();
const unexpected = new Map<string, number>();
const samples: Sample[] = [];
let requests = 0;
let fiveHundreds = 0;
let unexpectedCount = 0;
let transportErrors = 0;

const count = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);

/** One request; its latency and status are recorded, and a status outside `expected` counted by action. */
const call = async (action: string, path: string, init: RequestInit, expected: readonly number[]): Promise<{ status: number; body: unknown; headers: Headers } | undefined> => {
  const began = performance.now();
  try {
    const response = await fetch(base + path, init);
    const text = await response.text();
    const ms = performance.now() - began;
    requests++;
    latencies.push({ at: Date.now(), ms, action });
    count(statuses, response.status);
    if (response.status >= 500) fiveHundreds++;
    if (!expected.includes(response.status)) {
      unexpectedCount++;
      count(unexpected, `${action} ${response.status}`);
      if (unexpectedCount <= 20) log(`  unexpected: ${action} ${init.method ?? 'GET'} ${path} -> ${response.status} ${text.slice(0, 200)}`);
    }
    return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown), headers: response.headers };
  } catch (error) {
    transportErrors++;
    count(unexpected, `${action} transport`);
    if (transportErrors <= 20) log(`  transport error: ${action} ${path}: ${String(error)}`);
    return undefined;
  }
};

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/** Resident memory of the host by kind, from /proc where there is one. */
const procMemoryOf = (): { rss: number; anon: number } | undefined => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
    return { rss: kb('VmRSS'), anon: kb('RssAnon') };
  } catch {
    return undefined;
  }
};

type MemoryUsage = { rss: number; heapUsed: number; heapTotal: number; external: number };
type ProbeAnswer = { memory: MemoryUsage; eventLoop: { p99Ms: number; maxMs: number } };
const memoryOf = (): Promise<ProbeAnswer | undefined> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 2_000);
    const onMessage = (message: unknown) => {
      const answer = message as Partial<ProbeAnswer>;
      if (answer.memory === undefined || answer.eventLoop === undefined) return;
      clearTimeout(timer);
      host.process.off('message', onMessage);
      resolve(answer as ProbeAnswer);
    };
    host.process.on('message', onMessage);
    host.process.send('memory');
  });

interface Entry {
  name: string;
  kind: string;
  status: string;
  lag: number | null;
  generation: number;
}
const entries = async (): Promise<Entry[]> => {
  const answer = await call('projections', '/api/projections', {}, [200]);
  return (answer?.body as { projections?: Entry[] } | undefined)?.projections ?? [];
};

const sample = async (): Promise<void> => {
  const probe = await memoryOf();
  const memory = probe?.memory;
  const list = await entries();
  const proc = procMemoryOf();
  samples.push({
    at: Date.now(),
    rssBytes: proc?.rss ?? memory?.rss ?? Number.NaN,
    heapBytes: memory?.heapUsed ?? Number.NaN,
    heapTotalBytes: memory?.heapTotal ?? Number.NaN,
    externalBytes: memory?.external ?? Number.NaN,
    anonBytes: proc?.anon ?? Number.NaN,
    loopDelayMaxMs: probe?.eventLoop.maxMs ?? Number.NaN,
    maxLag: Math.max(0, ...list.map((e) => e.lag ?? 0)),
  });
};

/**
 * CPU time over the last minute, in cores: the host's (/proc/<pid>/stat), the soak's own, and every other
 * process's (/proc/stat less those two). Latency in a window where other processes took the cores is
 * not the host's doing; the per-minute line shows it. Undefined without /proc.
 */
const TICKS_PER_SECOND = 100;
const cpuTicks = (): { all: number; host: number } | undefined => {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { all: user! + nice! + system! + irq! + softirq! + steal!, host: Number(after[11]) + Number(after[12]) };
  } catch {
    return undefined;
  }
};
let lastCpu = { ticks: cpuTicks(), own: process.cpuUsage(), at: Date.now() };
const cpuSinceLastMinute = (): { host: number; soak: number; others: number } | undefined => {
  const now = { ticks: cpuTicks(), own: process.cpuUsage(), at: Date.now() };
  const before = lastCpu;
  lastCpu = now;
  if (now.ticks === undefined || before.ticks === undefined) return undefined;
  const seconds = (now.at - before.at) / 1000;
  const host = (now.ticks.host - before.ticks.host) / TICKS_PER_SECOND / seconds;
  const soak = (now.own.user + now.own.system - before.own.user - before.own.system) / 1e6 / seconds;
  const all = (now.ticks.all - before.ticks.all) / TICKS_PER_SECOND / seconds;
  return { host, soak, others: Math.max(0, all - host - soak) };
};

const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

// ---- the load -----------------------------------------------------------------------------------

const rawStreams = Array.from({ length: RAW_STREAMS }, (_, i) => ({ type: 'Soak', id: `s${i}` }));
/** Acknowledged raw appends: event ids by stream path. */
const acknowledged = new Map<string, Set<string>>();
/** Acknowledged commands: the stream version each was answered with, by stream path. */
const commandVersions = new Map<string, number>();
/** The highest version an answer reported, by raw stream path (for deliberately stale expectations). */
const versions = new Map<string, number>();
const keyedRequests: Array<{ path: string; key: string; body: unknown; eventIds: string[] }> = [];
const tokens: string[] = [];
const users: string[] = [];
const posts: string[] = [];
let keyCounter = 0;

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const recordAppend = (path: string, body: unknown) => {
  const result = body as { eventIds: string[]; version: number; consistencyToken: string };
  const ids = acknowledged.get(path) ?? new Set<string>();
  for (const id of result.eventIds) ids.add(id);
  acknowledged.set(path, ids);
  versions.set(path, Math.max(versions.get(path) ?? 0, result.version));
  tokens.push(result.consistencyToken);
  if (tokens.length > 1_000) tokens.splice(0, 500);
};
const eventsFor = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ type: 'Ticked', data: { at: Date.now(), i, note: 'x'.repeat(Math.floor(Math.random() * 200)) }, metadata: { correlationId: randomUUID() } }));

const actions: Array<[weight: number, run: () => Promise<unknown>]> = [
  [
    20,
    async () => {
      const s = pick(rawStreams);
      const path = `/api/streams/${s.type}/${s.id}/events`;
      const answer = await call('append', path, json({ events: eventsFor(1 + Math.floor(Math.random() * 3)) }), [201]);
      if (answer?.status === 201) recordAppend(path, answer.body);
    },
  ],
  [
    10,
    async () => {
      const s = pick(rawStreams);
      const path = `/api/streams/${s.type}/${s.id}/events`;
      const key = `soak-${++keyCounter}`;
      const body = { events: eventsFor(2) };
      const answer = await call('keyed append', path, json(body, { 'idempotency-key': key }), [201]);
      if (answer?.status === 201) {
        recordAppend(path, answer.body);
        keyedRequests.push({ path, key, body, eventIds: (answer.body as { eventIds: string[] }).eventIds });
        if (keyedRequests.length > 500) keyedRequests.splice(0, 250);
      }
    },
  ],
  [
    3,
    async () => {
      if (keyedRequests.length === 0) return;
      const earlier = pick(keyedRequests);
      const answer = await call('keyed replay', earlier.path, json(earlier.body, { 'idempotency-key': earlier.key }), [201]);
      if (answer?.status === 201 && (answer.headers.get('idempotent-replayed') !== 'true' || JSON.stringify((answer.body as { eventIds: string[] }).eventIds) !== JSON.stringify(earlier.eventIds)))
        count(unexpected, 'keyed replay not a replay');
    },
  ],
  [
    4,
    async () => {
      const known = [...versions.entries()].filter(([, v]) => v >= 1);
      if (known.length === 0) return;
      const [path, version] = pick(known);
      // Versions only grow, so the version before the one an answer reported is always stale.
      await call('conflict', path, json({ expectedVersion: version - 1, events: eventsFor(1) }), [409]);
    },
  ],
  [
    25,
    async () => {
      const s = pick(rawStreams);
      await call('read', `/api/streams/${s.type}/${s.id}/events?limit=50&fromVersion=${1 + Math.floor(Math.random() * Math.max(1, versions.get(`/api/streams/${s.type}/${s.id}/events`) ?? 1))}`, {}, [200, 404]);
    },
  ],
  [
    15,
    async () => {
      if (tokens.length === 0) return;
      const token = pick(tokens.slice(-200));
      // A consistency token is `v1.` + base64url of [streamId, sequence] (docs/decisions.md).
      const decoded = JSON.parse(Buffer.from(token.slice(3), 'base64url').toString('utf8')) as [string, number];
      await call('view atLeast', `/api/views/stream/${encodeURIComponent(decoded[0])}?atLeast=${token}&wait=5000`, {}, [200]);
    },
  ],
  [
    4,
    async () => {
      const answer = await call('register user', '/api/users', json({ email: `soak-${randomUUID()}@example.com`, name: 'Soak User' }), [201]);
      if (answer?.status === 201) {
        const { userId, version } = answer.body as { userId: string; version: number };
        users.push(userId);
        commandVersions.set(`User/${userId}`, version);
      }
    },
  ],
  [
    4,
    async () => {
      const answer = await call('create post', '/api/posts', json({ authorId: 'soak-author', title: 'Soak post', body: 'x'.repeat(100) }), [201]);
      if (answer?.status === 201) {
        const { postId, version } = answer.body as { postId: string; version: number };
        posts.push(postId);
        commandVersions.set(`Post/${postId}`, version);
      }
    },
  ],
  [
    6,
    async () => {
      if (posts.length === 0) return;
      const postId = pick(posts);
      const answer = await call('add comment', `/api/posts/${postId}/comments`, json({ authorId: 'soak-reader', text: 'a comment' }), [201]);
      if (answer?.status === 201) {
        const { commentId, version } = answer.body as { commentId: string; version: number };
        commandVersions.set(`Comment/${commentId}`, version);
      }
    },
  ],
];
const totalWeight = actions.reduce((sum, [weight]) => sum + weight, 0);
const chooseAction = () => {
  let r = Math.random() * totalWeight;
  for (const [weight, run] of actions) if ((r -= weight) < 0) return run;
  return actions[0]![1];
};

// Requests are paced to RATE per second across the workers (an open load: a slow answer does not slow the offered rate down).
let nextSlot = performance.now();
const takeSlot = async () => {
  const now = performance.now();
  if (nextSlot < now - 1_000) nextSlot = now; // far behind: do not burst to catch up
  const slot = nextSlot;
  nextSlot += 1_000 / RATE;
  if (slot > now) await sleep(slot - now);
};

const loadUntil = startedAt + DURATION_MS;
const worker = async () => {
  while (Date.now() < loadUntil) {
    await takeSlot();
    if (Date.now() >= loadUntil) break;
    await chooseAction()();
  }
};

// Rebuild requests every N/6 minutes, half a window in, rotating over the projections.
const rebuilds: string[] = [];
const rebuildLoop = async () => {
  const projections = (await entries()).filter((e) => e.kind === 'projection').map((e) => e.name);
  for (let k = 0; ; k++) {
    const at = startedAt + (k + 0.5) * WINDOW_MS;
    if (at >= loadUntil) return;
    await sleep(Math.max(0, at - Date.now()));
    const name = projections[k % projections.length]!;
    rebuilds.push(name);
    await call('rebuild', `/api/projections/${name}/rebuild`, { method: 'POST' }, [202]);
  }
};

// Samples and the per-minute line.
let minute = 0;
let lastLineRequests = 0;
let lastLineStatuses = new Map<number, number>();
const minuteLine = () => {
  minute++;
  const since = Date.now() - 60_000;
  const cpu = cpuSinceLastMinute();
  const recent = latencies.filter((l) => l.at >= since).map((l) => l.ms);
  const byStatus = [...statuses.entries()]
    .map(([status, n]) => [status, n - (lastLineStatuses.get(status) ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status}:${n}`)
    .join(' ');
  const last = samples[samples.length - 1];
  const line = {
    minute,
    requests: requests - lastLineRequests,
    statuses: byStatus,
    p50Ms: percentile(recent, 50),
    p99Ms: percentile(recent, 99),
    rssMb: last ? mb(last.rssBytes) : 'n/a',
    heapMb: last ? mb(last.heapBytes) : 'n/a',
    heapTotalMb: last ? mb(last.heapTotalBytes) : 'n/a',
    maxLag: last?.maxLag ?? 'n/a',
    loopMaxMs: Math.round(Math.max(0, ...samples.filter((x) => x.at >= since).map((x) => x.loopDelayMaxMs).filter(Number.isFinite))),
  };
  minuteLines.push(line);
  lastLineRequests = requests;
  lastLineStatuses = new Map(statuses);
  log(
    `minute ${String(minute).padStart(3)} | ${String(line.requests).padStart(6)} req | ${byStatus} | p50 ${line.p50Ms.toFixed(1)} ms p99 ${line.p99Ms.toFixed(1)} ms | rss ${line.rssMb} MB heap ${line.heapMb} MB | lag ${line.maxLag}` +
      (last ? ` | anon ${mb(last.anonBytes)} MB, V8 heap total ${mb(last.heapTotalBytes)} MB, external ${mb(last.externalBytes)} MB` : '') +
      ` | event loop held up to ${line.loopMaxMs} ms` +
      (cpu === undefined ? '' : ` | CPU cores: host ${cpu.host.toFixed(2)}, soak ${cpu.soak.toFixed(2)}, other processes ${cpu.others.toFixed(2)}`),
  );
};
const minuteLines: MinuteLine[] = [];

log(`soak: ${MINUTES} min at ${RATE} req/s offered by ${WORKERS} workers against ${base} (pid ${pid}, data in a fresh temporary directory)`);
log(
  prioritized
    ? `soak: host and soak run at scheduling priority ${PRIORITY} (nice)`
    : 'soak: could not raise the scheduling priority of the host and the soak: other work on this computer shows in the latencies (see the CPU figures)',
);
const sampler = setInterval(() => void sample(), SAMPLE_MS);
const liner = setInterval(minuteLine, 60_000);
await sample();
await Promise.all([...Array.from({ length: WORKERS }, worker), rebuildLoop()]);
clearInterval(sampler);
clearInterval(liner);
if (DURATION_MS % 60_000 !== 0 || minute < MINUTES) minuteLine();
const loadRequests = requests;

// ---- verdict ------------------------------------------------------------------------------------

const waitFor = async (what: string, done: () => Promise<boolean>, timeoutMs: number): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await done()) return true;
    await sleep(250);
  }
  log(`  ${what}: not within ${timeoutMs / 1000} s`);
  return false;
};

const caughtUp = await waitFor('projections catching up', async () => (await entries()).every((e) => e.kind !== 'projection' || (e.status === 'running' && e.lag === 0)), 120_000);

// Every acknowledged event, read back by stream.
let acknowledgedEvents = 0;
let missingEvents = 0;
for (const [path, ids] of acknowledged) {
  acknowledgedEvents += ids.size;
  const found = new Set<string>();
  let next: string | undefined = `${path}?limit=1000`;
  while (next !== undefined) {
    const answer = await call('verify read', next, {}, [200]);
    const page = answer?.body as { events: Array<{ id: string }>; continuationToken?: string } | undefined;
    for (const event of page?.events ?? []) found.add(event.id);
    next = page?.continuationToken === undefined ? undefined : `${path}?limit=1000&continuationToken=${encodeURIComponent(page.continuationToken)}`;
  }
  for (const id of ids) if (!found.has(id)) missingEvents++;
}
let missingCommands = 0;
for (const [stream, version] of commandVersions) {
  const answer = await call('verify stream', `/api/streams/${stream}`, {}, [200]);
  if ((answer?.body as { version?: number } | undefined)?.version === undefined || (answer!.body as { version: number }).version < version) missingCommands++;
}

// Views against a clean rebuild of every projection.
const viewKeys: Array<[string, string]> = [
  ...[...acknowledged.keys()].map((path): [string, string] => ['stream', path.split('/').slice(3, 5).join('-')]),
  ...users.slice(-300).map((id): [string, string] => ['user', id]),
  ...posts.slice(-300).map((id): [string, string] => ['post', id]),
];
const readViews = async () => {
  const documents = new Map<string, string>();
  for (const [view, key] of viewKeys) {
    const answer = await call('verify view', `/api/views/${view}/${encodeURIComponent(key)}`, {}, [200, 404]);
    documents.set(`${view}/${key}`, answer?.status === 200 ? JSON.stringify((answer.body as { data: unknown }).data) : `status ${answer?.status}`);
  }
  return documents;
};
const beforeRebuild = await readViews();
const generations = new Map((await entries()).filter((e) => e.kind === 'projection').map((e) => [e.name, e.generation]));
for (const name of generations.keys()) await call('final rebuild', `/api/projections/${name}/rebuild`, { method: 'POST' }, [202]);
const rebuilt = await waitFor(
  'the final rebuild',
  async () => (await entries()).filter((e) => generations.has(e.name)).every((e) => e.generation > generations.get(e.name)! && e.status === 'running' && e.lag === 0),
  300_000,
);
const afterRebuild = await readViews();
const differing = [...beforeRebuild.keys()].filter((key) => beforeRebuild.get(key) !== afterRebuild.get(key));

// Flatness: the last window against the second one.
const inWindow = (at: number, from: number, to: number) => at > startedAt + from && at <= startedAt + to;
const early = [WINDOW_MS, 2 * WINDOW_MS] as const;
const late = [DURATION_MS - WINDOW_MS, DURATION_MS] as const;
const rssIn = (from: number, to: number) => mean(samples.filter((s) => inWindow(s.at, from, to)).map((s) => s.rssBytes));
const p99In = (from: number, to: number) => percentile(latencies.filter((l) => inWindow(l.at, from, to)).map((l) => l.ms), 99);
const rssEarly = rssIn(...early);
const rssLate = rssIn(...late);
const p99Early = p99In(...early);
const p99Late = p99In(...late);
const within = (lateValue: number, earlyValue: number) => Number.isFinite(lateValue) && Number.isFinite(earlyValue) && lateValue <= earlyValue * 1.2;

// Where the time went, by action, in the two windows the verdict compares.
const actionNames = [...new Set(latencies.map((l) => l.action))];
const byAction = (from: number, to: number, action: string) => latencies.filter((l) => l.action === action && inWindow(l.at, from, to)).map((l) => l.ms);
const actionLines = actionNames.map((action) => {
  const [a, b] = [byAction(...early, action), byAction(...late, action)];
  return `    ${action.padEnd(16)} ${String(a.length).padStart(6)} / ${String(b.length).padStart(6)} req | p50 ${percentile(a, 50).toFixed(1)} / ${percentile(b, 50).toFixed(1)} ms | p99 ${percentile(a, 99).toFixed(1)} / ${percentile(b, 99).toFixed(1)} ms`;
});

const windowName = (from: number, to: number) => `${(from / 60_000).toFixed(1)}-${(to / 60_000).toFixed(1)} min`;
// Flatness is judged from a run of 30 minutes on (windows 5-10 min and the last five): the host's
// bounded caches (documents, per-stream progress, keys) fill over its first minutes, so a shorter run
// compares two windows inside that warm-up. A shorter run prints the figures without judging them.
const WARM_UP_MS = 5 * 60_000;
const judgesFlatness = early[0] >= WARM_UP_MS;
const checks: Array<[string, boolean, string]> = [
  ['no 5xx', fiveHundreds === 0, `${fiveHundreds} answers with 5xx of ${requests}`],
  ['no unexpected answers', unexpectedCount === 0 && transportErrors === 0, `${unexpectedCount} unexpected, ${transportErrors} transport errors${unexpected.size > 0 ? ` (${[...unexpected].map(([k, n]) => `${k}: ${n}`).join(', ')})` : ''}`],
  ['no acknowledged event missing', missingEvents === 0 && missingCommands === 0, `${acknowledgedEvents} events of ${acknowledged.size} streams read back, ${missingEvents} missing; ${commandVersions.size} command streams, ${missingCommands} short`],
  ['projections caught up', caughtUp, 'every projection running with lag 0 after the load'],
  ['RSS flat', !judgesFlatness || within(rssLate, rssEarly), `${mb(rssLate)} MB in ${windowName(...late)} vs ${mb(rssEarly)} MB in ${windowName(...early)} (${((rssLate / rssEarly - 1) * 100).toFixed(1)}%)`],
  ['p99 flat', !judgesFlatness || within(p99Late, p99Early), `${p99Late.toFixed(1)} ms in ${windowName(...late)} vs ${p99Early.toFixed(1)} ms in ${windowName(...early)} (${((p99Late / p99Early - 1) * 100).toFixed(1)}%)`],
  ['views equal a clean rebuild', rebuilt && differing.length === 0, `${viewKeys.length} documents compared after rebuilding ${[...generations.keys()].join(', ')}; ${differing.length} differ${differing.length > 0 ? ` (${differing.slice(0, 5).join(', ')})` : ''}`],
];

const errorLines = host
  .output()
  .split('\n')
  .filter((line) => line.includes('"level":"error"'));
log('');
log(`soak: ${loadRequests} requests during the load (${(loadRequests / (DURATION_MS / 1000)).toFixed(0)}/s), ${rebuilds.length} rebuild requests (${rebuilds.join(', ')}), ${errorLines.length} error lines in the host's log`);
const flatness = new Set(['RSS flat', 'p99 flat']);
for (const [name, ok, detail] of checks)
  log(`  ${!judgesFlatness && flatness.has(name) ? 'info' : ok ? 'ok  ' : 'FAIL'} ${name}: ${detail}${!judgesFlatness && flatness.has(name) ? ' (not judged: the run is under 30 minutes, inside the warm-up)' : ''}`);
log(`  by action, ${windowName(...early)} / ${windowName(...late)}:`);
for (const line of actionLines) log(line);
for (const line of errorLines.slice(0, 5)) log(`  host log: ${line.slice(0, 300)}`);
const passed = checks.every(([, ok]) => ok);
log(`soak verdict: ${passed ? 'PASS' : 'FAIL'}`);

const summary: SoakSummary = {
  date: `${new Date(startedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC`,
  node: process.versions.node,
  minutes: MINUTES,
  rate: RATE,
  workers: WORKERS,
  priority: prioritized ? PRIORITY : null,
  requests,
  statuses: Object.fromEntries([...statuses].sort(([a], [b]) => a - b)),
  rebuilds,
  perMinute: minuteLines,
  checks: checks.map(([name, ok, detail]) => ({ name, ok, detail })),
};
log(`soak summary: ${JSON.stringify(summary)}`);
if (args.report) {
  writeSoakSection(fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url)), summary);
  log('soak: figures written to docs/benchmarks.md');
}

host.process.kill('SIGTERM');
const exited = await Promise.race([host.exited, sleep(15_000).then(() => 'timeout')]);
if (exited === 'timeout') host.process.kill('SIGKILL');
if (!args.keep) rmSync(dataDir, { recursive: true, force: true });
else log(`data kept in ${dataDir}`);
process.exit(passed ? 0 : 1);
