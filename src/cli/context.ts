import type { Readable, Writable } from 'node:stream';

/** What a command may touch of the outside world; main.ts passes the process's, tests may pass others. */
export interface CliContext {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C: long-running commands stop at the next safe point. */
  signal: AbortSignal;
  /** Whether progress bars may draw on stderr. */
  interactive: boolean;
}
