import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeArm } from '../infra/fakeArm.ts';
import { runProcess, tempDirs } from '../support/processes.ts';

// The project runs on its own Node 22 (the pinned `node` dev dependency) whatever Node started npm:
// npm sets $NODE to its own Node, and a machine's `node` may be older. These tests start the
// wrappers, the bin and npm itself the way a user with an older system Node does.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const tempDir = tempDirs('eventlog-older-node-');

/** PATH without the node_modules/.bin folders npm puts first, so `node` is the machine's own. */
const machinePath = (process.env.PATH ?? '').split(delimiter).filter((dir) => !/node_modules[\\/]\.bin$/.test(dir));

/** A Node on the machine's PATH older than 22.6 (one that cannot strip types), if there is one. */
const findOlderNode = (): string | undefined => {
  for (const dir of machinePath) {
    const candidate = join(dir, 'node');
    if (!existsSync(candidate)) continue;
    const version = spawnSync(candidate, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '';
    const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
    if (major > 0 && (major < 22 || (major === 22 && minor < 6))) return candidate;
  }
  return undefined;
};
const olderNode = findOlderNode();
if (olderNode === undefined) console.warn('tests with a real older Node skipped: no node older than 22.6 on PATH (the fake one still runs)');

/** A stand-in for an old Node: answers --version like Node 20 and refuses everything else as Node 20 refuses --experimental-strip-types. */
const fakeOldNode = (): string => {
  const dir = tempDir();
  const node = join(dir, 'node');
  writeFileSync(node, '#!/bin/sh\nif [ "$1" = "--version" ]; then echo v20.20.2; exit 0; fi\necho "$0: bad option: $1" >&2\nexit 9\n');
  chmodSync(node, 0o755);
  return node;
};

const run = (command: string, args: string[], env: Record<string, string | undefined>, cwd = ROOT) =>
  runProcess(command, args, { cwd, env: { HOME: process.env.HOME, ...env }, timeoutMs: 90_000 });

describe('infra/scripts/_run with an older Node in $NODE and on PATH', () => {
  it('runs the script on the project Node instead', async () => {
    const node = fakeOldNode();
    const help = await run(join(ROOT, 'infra/scripts/failover'), ['--help'], { NODE: node, PATH: [dirname(node), ...machinePath].join(delimiter) });
    expect([help.code, help.stderr]).toEqual([0, '']);
    expect(help.stdout).toContain('usage: infra/scripts/failover --to <region>');
  });

  it('says in one line what it needs when no Node qualifies', async () => {
    // A copy of the scripts without node_modules beside them, and the old Node first on PATH.
    const project = tempDir();
    cpSync(join(ROOT, 'infra/scripts/_run'), join(project, 'infra/scripts/_run'));
    mkdirSync(join(project, 'infra/scripts/src'), { recursive: true });
    writeFileSync(join(project, 'infra/scripts/src/hello.ts'), 'console.log("hello");\n');
    const node = fakeOldNode();
    const result = await run(join(project, 'infra/scripts/_run'), ['hello'], { NODE: node, PATH: [dirname(node), ...machinePath].join(delimiter) }, project);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'error: hello needs Node.js 22.6 or later: run npm install in the project (it brings its own Node 22), or put such a node on PATH\n',
    );
  });
});

describe.skipIf(olderNode === undefined)('npm, npx and the bin started by an older Node', () => {
  // npm itself runs on the older Node, as it does for a user whose system Node is older: it sets $NODE to it.
  const env = (extra: Record<string, string> = {}) => ({ PATH: [dirname(olderNode!), ...machinePath].join(delimiter), ...extra });
  let fake: FakeArm;
  let npmCache: string;
  beforeAll(async () => {
    fake = new FakeArm({ subscriptionId: '0', resourceGroup: 'rg', accountName: 'a' });
    await fake.start();
    npmCache = tempDir();
  });
  afterAll(async () => {
    await fake?.stop();
  });

  it('npm run failover -- --to northeurope --dry-run ... plans the failover', async () => {
    const result = await run('npm', ['run', '--silent', 'failover', '--', '--to', 'northeurope', '--dry-run', '--subscription', '0', '--resource-group', 'rg', '--account', 'a'], env({ ARM_ENDPOINT: fake.endpoint, ARM_ACCESS_TOKEN: 'dry-run-token' }));
    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(result.stdout).toContain('planned failover to northeurope: northeurope=0, westeurope=1');
    expect(result.stdout).toContain('[dry-run] would POST');
    expect(fake.writeRegion()).toBe('westeurope');
  });

  it('npm run deploy -- --help prints the usage', async () => {
    const result = await run('npm', ['run', '--silent', 'deploy', '--', '--help'], env());
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('usage: infra/scripts/deploy');
  });

  it('npx eventlog failover --help runs the CLI and the script it calls', async () => {
    // A cache of its own: npx installs the project's bin there on first use.
    const result = await run('npx', ['--offline', 'eventlog', 'failover', '--help'], env({ npm_config_cache: npmCache }));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('usage: infra/scripts/failover --to <region>');
    expect(result.stderr).not.toContain('bad option');
  });

  it('npm install warns only about dependencies that need Node 22, which the README explains first', async () => {
    // The project's manifest and lock file alone: npm checks engines while it plans the install.
    const project = tempDir();
    for (const file of ['package.json', 'package-lock.json']) cpSync(join(ROOT, file), join(project, file));
    const result = await run('npm', ['install', '--dry-run', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], env({ npm_config_cache: npmCache }), project);
    expect(result.code).toBe(0);
    const warned = [...result.stderr.matchAll(/EBADENGINE +package: '([^']+)'/g)].map((m) => m[1]!);
    expect(warned.some((pkg) => pkg.startsWith('eventlog@'))).toBe(false);
    const firstLines = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').slice(0, 10).join('\n');
    expect(firstLines).toContain('EBADENGINE');
    expect(firstLines).toContain('npx eventlog');
    for (const pkg of warned) expect(firstLines).toContain(pkg.replace(/@[^@]+$/, '').split('/')[0]);
  });

  it('the bin started by the older Node runs on the project Node', async () => {
    const result = await run(olderNode!, [join(ROOT, 'bin/eventlog.js'), '--version'], env());
    expect([result.code, result.stdout, result.stderr]).toEqual([0, `${VERSION}\n`, '']);
    const usage = await run(olderNode!, [join(ROOT, 'bin/eventlog.js'), 'read', 'not a stream'], env());
    expect([usage.code, usage.stderr]).toEqual([2, expect.stringMatching(/^eventlog: "not a stream" is not a stream: [^\n]*\n$/)]);
  });
});
