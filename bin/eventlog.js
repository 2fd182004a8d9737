#!/usr/bin/env node
// The `eventlog` command (package.json `bin`). It starts the CLI on a Node that can run it, 22.13 or
// later: this one when it can, else the project's own Node 22 (the pinned `node` dev dependency), so
// `npx eventlog` works in a clone whatever Node is on PATH. In a clone it runs the TypeScript sources
// (nothing to build, never stale); an installed package runs its compiled dist/. Plain JavaScript that
// old Node versions parse, so that they can say what is missing instead of failing on an import.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const NEEDED = '22.13';
const HOPS = 'EVENTLOG_BIN_HOPS';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sources = join(root, 'src', 'cli', 'main.ts');
const fromSources = existsSync(sources) && !root.split(sep).includes('node_modules');
const entry = fromSources ? sources : join(root, 'dist', 'src', 'cli', 'main.js');

const atLeast = (version, wanted) => {
  const [major, minor] = version.split('.').map(Number);
  const [wantedMajor, wantedMinor] = wanted.split('.').map(Number);
  return major > wantedMajor || (major === wantedMajor && minor >= wantedMinor);
};
const recent = atLeast(process.versions.node, NEEDED);
// Type stripping is on by default from 22.18; 22.13-22.17 need the flag.
const stripsTypes = Boolean(process.features && process.features.typescript);
const hops = Number(process.env[HOPS] || 0);

const fail = (message) => {
  process.stderr.write(`eventlog: ${message}\n`);
  process.exit(2);
};

/** Runs this file again on `node`, passing on arguments, terminal, signals and exit status. */
const again = (node, flags) => {
  const child = spawn(node, [...flags, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, [HOPS]: String(hops + 1) },
  });
  // Ctrl-C reaches the whole foreground process group, the child included: it decides what to do.
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => fail(`could not start ${node}: ${error.message}`));
  child.on('exit', (code, signal) => {
    if (signal === null) process.exit(code === null ? 1 : code);
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  });
};

if (recent && (stripsTypes || !fromSources)) {
  await import(pathToFileURL(entry).href);
} else if (hops >= 2) {
  fail(`needs Node.js ${NEEDED} or later (this is ${process.versions.node})`);
} else if (recent) {
  again(process.execPath, ['--experimental-strip-types', '--disable-warning=ExperimentalWarning']);
} else {
  const projectNode = join(root, 'node_modules', '.bin', 'node');
  if (!fromSources || !existsSync(projectNode))
    fail(
      `needs Node.js ${NEEDED} or later (this is ${process.versions.node})` +
        (fromSources ? ': run npm install in the project, which brings its own Node 22' : ''),
    );
  again(projectNode, []);
}
