#!/usr/bin/env node
import type { CliContext } from './context.ts';

// node:sqlite is still flagged experimental in Node 22 and says so once per process: noise in a tool's
// output. Only that warning is dropped; the others print as usual. The commands are imported after this.
const printWarning = process.listeners('warning');
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name === 'ExperimentalWarning' && /SQLite/i.test(warning.message)) return;
  for (const print of printWarning) print(warning);
});

// node:sqlite and the type-stripped sources need Node 22; say so plainly rather than fail on an import.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  process.stderr.write(`eventlog: needs Node.js 22.13 or later (this is ${process.versions.node}); npx eventlog and npm run eventlog use the project's own Node\n`);
  process.exit(2);
}

const { runCli } = await import('./run.ts');
const { EXIT } = await import('./errors.ts');

const interrupt = new AbortController();
let interrupts = 0;
process.on('SIGINT', () => {
  // The first Ctrl-C asks the command to stop at a safe point; a second one does not wait.
  if (++interrupts > 1) process.exit(EXIT.interrupted);
  interrupt.abort(new DOMException('interrupted', 'AbortError'));
});
// A closed pipe (`eventlog read ... | head`) is the reader being done, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT.ok);
  throw error;
});

const context: CliContext = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  signal: interrupt.signal,
  interactive: process.stderr.isTTY === true,
};
process.exitCode = await runCli(process.argv.slice(2), context);
