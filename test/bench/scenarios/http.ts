import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request, type ClientRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Contender } from '../measure.ts';
import { runWriters } from '../measure.ts';

/** `shipped`: the local host as `npm start` runs it; `append-only`: the same without its projection poller; `no-op`: HTTP alone. */
export type HostKind = 'shipped' | 'append-only' | 'no-op';
const ENTRY: Record<HostKind, string> = {
  shipped: fileURLToPath(new URL('../../../src/main.ts', import.meta.url)),
  'append-only': fileURLToPath(new URL('../appendOnlyHost.ts', import.meta.url)),
  'no-op': fileURLToPath(new URL('../noopHost.ts', import.meta.url)),
};

export interface LocalHostProcess {
  url: string;
  child: ChildProcess;
  /** Resident memory of the host process now, in MiB (Linux /proc; undefined elsewhere). */
  rssMb(): number | undefined;
  stop(): Promise<void>;
}

/** VmRSS of a process from /proc, in MiB. */
const rssOf = (pid: number | undefined): number | undefined => {
  if (pid === undefined) return undefined;
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
};

/** The local host on the SQLite store, in a process of its own so the load generator in this process does not share its event loop. */
export const startHostProcess = async (kind: HostKind, dataDir: string, nodeFlags: string[] = []): Promise<LocalHostProcess> => {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', ...nodeFlags, ENTRY[kind]], {
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir, EVENT_STORE: 'sqlite', API_KEY: '', ADMIN_KEY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const orphan = () => child.kill(); // a benchmark that fails half-way leaves no host behind
  process.once('exit', orphan);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`local host did not start:\n${output}`)), 30_000);
    const check = () => {
      const match = /listening on (http:\/\/\S+)\/api/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => reject(new Error(`local host exited:\n${output}`)));
  });
  return {
    url,
    child,
    rssMb: () => rssOf(child.pid),
    stop: async () => {
      process.off('exit', orphan);
      child.kill('SIGINT');
      await exited;
    },
  };
};

interface Reply {
  status: number;
  body: string;
}

/**
 * HTTP/1.1 with keep-alive: one socket per client, reused for every request. A request sent on a
 * reused socket that the server had just closed fails with ECONNRESET before the server saw it: it is
 * sent again on a fresh socket, as Node's documentation advises (`request.reusedSocket`).
 */
export const keepAliveClient = (base: string, agent: Agent) => {
  const { hostname, port } = new URL(base);
  const once = (method: string, path: string, body: string | undefined): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const req: ClientRequest = request(
        { host: hostname, port, path, method, agent, headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          res.on('error', reject);
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => reject(Object.assign(error, { reusedSocket: req.reusedSocket })));
      req.end(body);
    });
  return async (method: string, path: string, body?: string): Promise<Reply> => {
    try {
      return await once(method, path, body);
    } catch (error) {
      const failure = error as NodeJS.ErrnoException & { reusedSocket?: boolean };
      if (failure.code !== 'ECONNRESET' || !failure.reusedSocket) throw error;
      reconnects++;
      return once(method, path, body);
    }
  };
};

/** Requests sent again after the server had closed their idle keep-alive socket (see `client`). */
let reconnects = 0;
export const reconnected = (): number => reconnects;

/** `clients` keep-alive clients, each appending one event at a time to its own stream at the version it last saw. */
export const httpAppend = (name: string, host: LocalHostProcess, clients: number): Contender & { caughtUp(timeoutMs: number): Promise<boolean>; close(): void } => {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const send = keepAliveClient(host.url, agent);
  const versions = new Array<number>(clients).fill(0);
  const append = async (c: number): Promise<number> => {
    const body = JSON.stringify({ expectedVersion: versions[c], events: [{ type: 'Ticked', data: { n: 0 } }] });
    const reply = await send('POST', `/api/streams/Bench/c${c}/events`, body);
    if (reply.status !== 201) throw new Error(`append answered ${reply.status}: ${reply.body}`);
    versions[c] = (JSON.parse(reply.body) as { version: number }).version;
    return 1;
  };
  return {
    name,
    round: (durationMs) => runWriters(clients, durationMs, append),
    /** Waits until the host's projections have applied everything, so the next round starts from a quiet host. */
    caughtUp: async (timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const reply = await send('GET', '/api/projections');
        const { projections } = JSON.parse(reply.body) as { projections: Array<{ lag: number | null }> };
        if (projections.every((p) => p.lag === 0 || p.lag === null)) return true;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return false;
    },
    close: () => agent.destroy(),
  };
};

/**
 * `clients` keep-alive clients, each appending one event to its own stream and then reading that
 * stream's `stream` view with the append's consistency token (`atLeast`, waiting up to 5 s): the
 * latency is from sending the append to holding a view that shows it.
 */
export const appendToViewVisible = (name: string, host: LocalHostProcess, clients: number): Contender & { close(): void } => {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const send = keepAliveClient(host.url, agent);
  const versions = new Array<number>(clients).fill(0);
  const cycle = async (c: number): Promise<number> => {
    const body = JSON.stringify({ expectedVersion: versions[c], events: [{ type: 'Ticked', data: { n: 0 } }] });
    const appended = await send('POST', `/api/streams/Visible/v${c}/events`, body);
    if (appended.status !== 201) throw new Error(`append answered ${appended.status}: ${appended.body}`);
    const { version, consistencyToken } = JSON.parse(appended.body) as { version: number; consistencyToken: string };
    versions[c] = version;
    const view = await send('GET', `/api/views/stream/Visible-v${c}?atLeast=${encodeURIComponent(consistencyToken)}&wait=5000`);
    if (view.status !== 200) throw new Error(`view read answered ${view.status}: ${view.body}`);
    const seen = (JSON.parse(view.body) as { data?: { version?: number } }).data?.version;
    if (seen !== version) throw new Error(`view shows version ${seen}, not ${version}`);
    return 1;
  };
  return { name, round: (durationMs) => runWriters(clients, durationMs, cycle), close: () => agent.destroy() };
};
