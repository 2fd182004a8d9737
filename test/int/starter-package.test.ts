import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startChildHost, type ChildHost } from '../support/childHost.ts';
import { tempDirs } from '../support/processes.ts';

// The package as a team gets it: `npm pack` of a fresh build, installed from the npm cache into a copy of
// examples/starter outside the repository, where the starter's tests pass, its types check against the
// package's declarations, the `eventlog` bin runs, and `npm start` serves its own aggregate and view.

const root = resolve(import.meta.dirname, '../..');
const starterDir = join(root, 'examples', 'starter');
const scratch = tempDirs('eventlog-starter-')();

// npm and the scripts it runs (`#!/usr/bin/env node`) on this Node (22), not on whatever is first on PATH;
// none of the npm settings of an enclosing `npm test` (its prefix, its scripts' variables) leak into the scratch project.
const env: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_'))),
  PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
  CI: 'true',
  NO_COLOR: '1',
  FORCE_COLOR: '0',
};

const run = (command: string, args: string[], cwd: string, timeoutMs = 300_000) => {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: timeoutMs });
  return { code: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}` };
};

/** The package directory npm would pack, with a build of its own: the checkout's dist/ is left alone. */
const packPackage = (): string => {
  const pkg = join(scratch, 'package');
  mkdirSync(pkg);
  for (const entry of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'host.json', 'bin', 'src/explorer/static'])
    cpSync(join(root, entry), join(pkg, entry), { recursive: true });
  const build = run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(root, 'tsconfig.json'), '--outDir', join(pkg, 'dist')], root);
  expect(build.code, build.output).toBe(0);
  // --ignore-scripts: prepack would build again, into the checkout.
  const pack = run('npm', ['pack', '--ignore-scripts', '--pack-destination', scratch], pkg);
  expect(pack.code, pack.output).toBe(0);
  const tarball = readdirSync(scratch).find((file) => /^eventlog-.*\.tgz$/.test(file));
  expect(tarball, pack.output).toBeDefined();
  return join(scratch, tarball!);
};

/** The starter copied as a team would copy it, its dependency pointed at the tarball. */
const copyStarter = (tarball: string): string => {
  const app = join(scratch, 'tickets');
  cpSync(starterDir, app, { recursive: true, filter: (source) => !/[/\\](node_modules|dist|\.data|package-lock\.json)$/.test(source) });
  const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  manifest.dependencies.eventlog = `file:${relative(app, tarball)}`;
  writeFileSync(join(app, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return app;
};

/**
 * Installs from the npm cache only (`npm test` uses no network). Where the cache lacks a package (or its
 * registry document), answers why, naming it, so the test is skipped with that reason printed.
 */
const install = (app: string): { skipped?: string } => {
  const offline = run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], app);
  if (offline.code === 0) return {};
  const missing = /request to (\S+) failed: cache mode is 'only-if-cached'/.exec(offline.output)?.[1];
  if (missing === undefined) throw new Error(`npm install --offline failed:\n${offline.output}`);
  return { skipped: `offline install impossible: ${missing} is not in the npm cache (an online \`npm install\` of examples/starter puts it there)` };
};

let host: ChildHost | undefined;
afterAll(async () => {
  if (host?.process.exitCode === null && host.process.pid !== undefined) {
    host.process.kill('SIGTERM');
    await host.exited;
  }
});

const postJson = async (url: string, body: unknown) => {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('the packed package in a project of its own', () => {
  it('installs into a copy of the starter, which passes its tests and serves its aggregate and view', { timeout: 600_000 }, async (context) => {
    const tarball = packPackage();
    const app = copyStarter(tarball);
    const { skipped } = install(app);
    if (skipped !== undefined) {
      console.warn(`starter package test skipped: ${skipped}`);
      context.skip(skipped);
      return;
    }
    const linked = JSON.parse(readFileSync(join(app, 'node_modules', 'eventlog', 'package.json'), 'utf8')) as { version: string };
    expect(linked.version).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);

    // Its tests, on the installed package: the decider spec and the HTTP tests on the in-memory store.
    const tests = run('npm', ['test'], app);
    expect(tests.code, tests.output).toBe(0);
    expect(tests.output).toMatch(/Tests\s+9 passed \(9\)/);

    // Its types against the package's declarations (exports' `types`).
    const types = run('npm', ['run', 'typecheck'], app);
    expect(types.code, types.output).toBe(0);

    // The package's bin.
    const bin = run('npx', ['--no-install', 'eventlog', '--help'], app, 60_000);
    expect(bin.code, bin.output).toBe(0);
    expect(bin.output).toMatch(/Usage: eventlog/);

    // `npm start`'s command: the app on the embedded store, on a port of its own.
    const start = (JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.split(' ');
    expect(start[0]).toBe('node');
    host = await startChildHost({ DATA_DIR: join(scratch, 'data'), HOST: '127.0.0.1' }, 30_000, { cwd: app, entry: join(app, start.at(-1)!), nodeArgs: start.slice(1, -1) });
    expect(host.output()).toContain('tickets (eventlog');

    const opened = await postJson(`${host.url}/api/tickets`, { title: 'Printer on fire' });
    expect(opened.status).toBe(201);
    const id = opened.body.aggregateId as string;
    const closed = await postJson(`${host.url}/api/tickets/${id}/close`, { resolution: 'Put it out' });
    expect(closed).toMatchObject({ status: 200, body: { version: 2 } });
    const view = await fetch(`${host.url}/api/views/ticket/${id}?atLeast=${encodeURIComponent(closed.body.consistencyToken as string)}`);
    expect(view.status).toBe(200);
    expect(((await view.json()) as { data: unknown }).data).toMatchObject({ ticketId: id, title: 'Printer on fire', status: 'closed', resolution: 'Put it out' });
    const events = (await (await fetch(`${host.url}/api/streams/Ticket/${id}/events`)).json()) as { events: Array<{ type: string }> };
    expect(events.events.map((e) => e.type)).toEqual(['TicketOpened', 'TicketClosed']);

    // Its commands in the app's OpenAPI document, and the stream explorer's page from the package's static files.
    const openapi = (await (await fetch(`${host.url}/api/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/tickets', '/tickets/{ticketId}/close']));
    expect((await fetch(`${host.url}/api/explorer/`)).status).toBe(200);

    host.process.kill('SIGTERM');
    expect(await host.exited).toBe(0);
  });
});
