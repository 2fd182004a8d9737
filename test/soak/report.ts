import { existsSync, readFileSync, writeFileSync } from 'node:fs';

// The soak's section of docs/benchmarks.md ("## Soak", kept by `npm run bench`, which writes the rest).

export interface MinuteLine {
  minute: number;
  requests: number;
  /** `status:count` pairs, space-separated. */
  statuses: string;
  p50Ms: number;
  p99Ms: number;
  rssMb: string;
  heapMb: string;
  /** What V8 holds for its heap, used or not. */
  heapTotalMb: string;
  maxLag: number | string;
  /** The longest the host's event loop was held up in the minute. */
  loopMaxMs: number;
}

export interface SoakSummary {
  date: string;
  node: string;
  minutes: number;
  rate: number;
  workers: number;
  /** The scheduling priority (nice) the host and the soak ran at; null when it could not be raised. */
  priority: number | null;
  requests: number;
  statuses: Record<string, number>;
  rebuilds: string[];
  perMinute: MinuteLine[];
  checks: Array<{ name: string; ok: boolean; detail: string }>;
}

const SOAK_HEADING = '## Soak';

/** `5 minutes`, `1 minute`, `30 s`. */
const duration = (minutes: number): string =>
  minutes < 1 ? `${Math.round(minutes * 60)} s` : `${Number(minutes.toFixed(1))} minute${minutes === 1 ? '' : 's'}`;

const merge = (lines: MinuteLine[]): string => {
  const totals = new Map<number, number>();
  for (const line of lines)
    for (const pair of line.statuses.split(' ').filter((p) => p !== '')) {
      const [status, count] = pair.split(':').map(Number) as [number, number];
      totals.set(status, (totals.get(status) ?? 0) + count);
    }
  return [...totals].sort(([a], [b]) => a - b).map(([status, count]) => `${status}: ${count}`).join(', ');
};

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;

/** Blocks of N/6 minutes: the windows the verdict compares are rows of their own. */
const condensed = (summary: SoakSummary): string[] => {
  const size = Math.max(1, Math.round(summary.minutes / 6));
  const rows: string[] = [];
  for (let from = 0; from < summary.perMinute.length; from += size) {
    const block = summary.perMinute.slice(from, from + size);
    const last = block[block.length - 1]!;
    const label = block.length === 1 ? `${block[0]!.minute}` : `${block[0]!.minute}-${last.minute}`;
    rows.push(
      `| ${label} | ${block.reduce((sum, l) => sum + l.requests, 0).toLocaleString('en-US')} | ${merge(block)} | ${median(block.map((l) => l.p50Ms)).toFixed(1)} | ${Math.max(...block.map((l) => l.p99Ms)).toFixed(1)} | ${Math.max(...block.map((l) => l.loopMaxMs))} | ${last.rssMb} | ${last.heapMb} / ${last.heapTotalMb} | ${Math.max(...block.map((l) => Number(l.maxLag) || 0))} |`,
    );
  }
  return rows;
};

export const soakSection = (summary: SoakSummary): string =>
  [
    SOAK_HEADING,
    '',
    `Written by \`npm run soak -- --minutes ${summary.minutes} --report\` (${summary.date}, Node ${summary.node}). The local host ran as a child process (as \`npm start\` runs it) on a fresh data directory on loopback, while ${summary.workers} clients in the soak's process offered ${summary.rate} requests per second for ${duration(summary.minutes)}: appends with and without Idempotency-Key and replays of keyed ones, appends at a stale expected version (each answered 409, as intended), stream reads, view reads with \`atLeast\` (\`wait=5000\`), user registrations, posts and comments through the commands, and a rebuild request every ${duration(summary.minutes / 6)} (${summary.rebuilds.join(', ')}). ${summary.requests.toLocaleString('en-US')} requests in all (${Object.entries(summary.statuses).map(([status, count]) => `${status}: ${count.toLocaleString('en-US')}`).join(', ')}, the verdict's reads included). ${summary.priority === null ? 'The scheduling priority of the host and the soak could not be raised, so other work on the same computer shows in the latencies.' : `The host and the soak ran at scheduling priority ${summary.priority} (nice), so other work on the same computer delays them less.`}`,
    '',
    `Per ${duration(Math.max(1, Math.round(summary.minutes / 6)))}: requests and answers by status; p50 is the median of the minutes' p50, p99 the highest minute's p99 (latency from sending a request to reading its whole answer, \`atLeast\` waits included); RSS (\`/proc/<pid>/status\`) and heap (\`process.memoryUsage()\` through an IPC probe) of the host at the block's last sample; the longest the host's event loop was held up (\`monitorEventLoopDelay\` in the probe); the highest projection lag (events behind the log) sampled.`,
    '',
    '| minutes | requests | answers | p50 ms | p99 ms | event loop held up, max ms | RSS MB | heap used / total MB | max lag |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|',
    ...condensed(summary),
    '',
    'Verdict:',
    '',
    ...summary.checks.map((check) => `- ${check.ok ? 'ok' : '**failed**'}: ${check.name}: ${check.detail}`),
    '',
    'Windows: for N minutes the verdict compares the last N/6 minutes with minutes N/6 to N/3 (the last five with minutes 5-10 for 30 minutes; for 3 minutes the last 30 s with 0.5-1 min), RSS as the mean of its samples, p99 over every request in the window; "flat" means at most 20% higher (lower is never a failure).',
    '',
  ].join('\n');

/** Replaces the soak section of `path` (or appends it), leaving what `npm run bench` wrote above it. */
export const writeSoakSection = (path: string, summary: SoakSummary): void => {
  const existing = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const at = existing.indexOf(`\n${SOAK_HEADING}\n`);
  const before = (at < 0 ? existing : existing.slice(0, at)).replace(/\n*$/, '\n');
  writeFileSync(path, `${before}\n${soakSection(summary)}`);
};
