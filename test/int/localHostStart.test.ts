import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { startChildHost } from '../support/childHost.ts';
import { runProcess, tempDirs } from '../support/processes.ts';

// Starting the local host as `npm start` does (a child process): what it says when it cannot listen,
// and where it listens.

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const dataDir = tempDirs('eventlog-start-');

/** Runs the local host until it exits on its own (or is killed after the timeout). */
const startFailing = (env: Record<string, string>) =>
  runProcess(process.execPath, ['--disable-warning=ExperimentalWarning', MAIN], { env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir(), ...env } });

const occupy = (): Promise<Server> =>
  new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve(server));
  });

describe('the local host at start', () => {
  it('says in one line that the port is in use, naming it and PORT, and exits 1', async () => {
    const busy = await occupy();
    try {
      const port = (busy.address() as AddressInfo).port;
      const run = await startFailing({ PORT: String(port) });
      expect([run.code, run.stderr]).toEqual([
        1,
        `eventlog: port ${port} is already in use on 127.0.0.1: stop what listens there, or set PORT to another port (e.g. PORT=${port + 1})\n`,
      ]);
      expect(run.stdout).toBe('');
    } finally {
      busy.close();
    }
  });

  it('listens on HOST', async () => {
    // Any 127/8 address is this machine on Linux; 127.0.0.2 shows the setting is used, not the default.
    const host = await startChildHost({ DATA_DIR: dataDir(), HOST: '127.0.0.2' });
    try {
      expect(host.url).toMatch(/^http:\/\/127\.0\.0\.2:\d+$/);
      expect((await fetch(`${host.url}/api/health`)).status).toBe(200);
      const port = new URL(host.url).port;
      await expect(fetch(`http://127.0.0.1:${port}/api/health`)).rejects.toThrow();
      // The CLI finds it from the same settings.
      const cli = spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, 'read', 'Nothing-1'], {
        env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.2', PORT: port },
        encoding: 'utf8',
      });
      expect([cli.status, cli.stderr]).toEqual([1, 'eventlog: stream Nothing-1 has no events\n']);
    } finally {
      host.process.kill('SIGTERM');
      await host.exited;
    }
  });

  it('refuses a HOST that is not an address of this machine, or not an address, in one line', async () => {
    const foreign = await startFailing({ HOST: '192.0.2.1', PORT: '0' }); // TEST-NET-1: never local
    expect([foreign.code, foreign.stderr]).toEqual([1, 'eventlog: cannot listen on 192.0.2.1: not an address of this machine (set HOST, default 127.0.0.1)\n']);
    const bad = await startFailing({ HOST: 'my laptop' });
    expect([bad.code, bad.stderr]).toEqual([2, 'Invalid configuration: HOST must be an IP address to listen on, e.g. 127.0.0.1, 0.0.0.0 or ::1, or localhost (got "my laptop")\n']);
  });

  it('defaults HOST to the loopback interface', () => {
    expect(loadConfig({}).HOST).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '::' }).HOST).toBe('::');
  });
});
