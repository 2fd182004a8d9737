import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Summarizes a V8 CPU profile (`node --cpu-prof`) by where the busy time went, for the report.

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const CATEGORIES: Array<[string, (fn: string, url: string) => boolean]> = [
  ['garbage collection', (fn) => fn === '(garbage collector)'],
  ['SQLite commit (BEGIN/COMMIT: WAL writes and sync)', (fn, url) => url.includes('/stores/sqlite/groupCommit') && fn === 'commit'],
  ['SQLite event store (inserts, version checks, reads)', (_, url) => /\/stores\/sqlite\/(?!sqliteProjection)/.test(url)],
  ['consumers (projections, reactors, follower, views store)', (_, url) => url.includes('/src/consumers/') || url.includes('sqliteProjectionStorage') || url.includes('/domain/projections') || url.includes('/src/reactors/')],
  ['zod validation', (_, url) => url.includes('/zod/')],
  ['API handlers and local server', (_, url) => url.includes('/src/api/') || url.includes('/src/local/') || url.includes('/src/domain/')],
  ['kernel (append semantics, ids, tokens)', (_, url) => url.includes('/src/core/')],
  ['node:http, sockets and streams', (fn, url) => /node:(_http|net|internal\/(streams|stream_base|http|url))|node:events|node:buffer/.test(url) || fn === 'writev' || fn === 'writeUtf8String'],
  ['starting up (module loading, type stripping)', (fn, url) => /internal\/modules|bootstrap|amaro|cjs-module-lexer|^wasm/.test(url) || fn === 'Module'],
];

/** Shares of busy time (idle excluded) by category, largest first, for the newest profile in `dir`. */
export const summarizeProfile = (dir: string): Array<{ category: string; share: number }> | undefined => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
  const newest = files[files.length - 1];
  if (newest === undefined) return undefined;
  const profile = JSON.parse(readFileSync(join(dir, newest), 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const { functionName, url } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') return;
    const delta = profile.timeDeltas[i] ?? 0;
    busy += delta;
    const category = CATEGORIES.find(([, matches]) => matches(functionName, url))?.[0] ?? 'other (program, timers, microtasks)';
    totals.set(category, (totals.get(category) ?? 0) + delta);
  });
  return [...totals].map(([category, time]) => ({ category, share: time / busy })).sort((a, b) => b.share - a.share);
};
