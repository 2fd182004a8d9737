import { CommanderError } from 'commander';
import { EventLogProblemError, EventLogUnavailableError, EventLogUnexpectedResponseError } from '../client/index.ts';
import { ConfigError } from '../config.ts';
import { EventLogError, StoreUnavailableError } from '../core/index.ts';

/** Exit codes every command shares (docs/cli.md lists them). */
export const EXIT = {
  ok: 0,
  /** The operation failed: the server refused it, a stream is missing, an import does not fit. */
  failed: 1,
  /** Bad arguments or configuration: nothing was attempted. */
  usage: 2,
  /** No answer from the server or the store (after retries), or it said it is unavailable. */
  unavailable: 3,
  /** Interrupted with Ctrl-C. */
  interrupted: 130,
} as const;

/** An error the CLI raises on purpose: printed as one line (none when the message is empty), exits with its code. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.failed) {
    super(message);
    this.exitCode = exitCode;
  }
}

export const usageError = (message: string): CliError => new CliError(message, EXIT.usage);

const firstLine = (text: string): string => text.split('\n')[0]!.trim();

/** Answers that say the URL is wrong rather than the request: no such route, or not this method there. */
const wrongUrl = (error: EventLogProblemError): boolean => (error.status === 404 && error.type !== 'not-found') || error.status === 405;

/** A problem answer in one line: status, type, detail, and the first field errors; for a wrong URL, the URL called. */
const describeProblem = (error: EventLogProblemError): string => {
  const fields = error.errors.slice(0, 3).map((e) => `${e.path}: ${e.message}`);
  const more = error.errors.length > 3 ? ` (+${error.errors.length - 3} more)` : '';
  const detail = fields.length > 0 ? fields.join('; ') + more : error.detail;
  const called = wrongUrl(error) && error.url !== undefined ? `; called ${error.url} (is --url the base URL of the API?)` : '';
  return `${error.status} ${error.type}: ${firstLine(detail)}${called}`;
};

/** Every error as the one line the CLI prints and the exit code it ends with. */
export const describeError = (error: unknown): { message: string; exitCode: number } => {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof CommanderError) return { message: firstLine(error.message.replace(/^error: /, '')), exitCode: EXIT.usage };
  if (error instanceof ConfigError) return { message: error.message, exitCode: EXIT.usage };
  if (error instanceof EventLogProblemError)
    return { message: describeProblem(error), exitCode: error.status === 503 ? EXIT.unavailable : EXIT.failed };
  if (error instanceof EventLogUnavailableError) return { message: error.message, exitCode: EXIT.unavailable };
  if (error instanceof EventLogUnexpectedResponseError) return { message: error.message, exitCode: EXIT.failed };
  if (error instanceof StoreUnavailableError) return { message: firstLine(error.message), exitCode: EXIT.unavailable };
  if (error instanceof EventLogError) return { message: firstLine(error.message), exitCode: EXIT.failed };
  if (error instanceof Error && error.name === 'AbortError') return { message: 'interrupted', exitCode: EXIT.interrupted };
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (error instanceof Error && typeof code === 'string' && /^E[A-Z]+$/.test(code))
    return { message: firstLine(error.message), exitCode: EXIT.failed };
  return { message: `unexpected error: ${error instanceof Error ? firstLine(error.message) : String(error)}`, exitCode: EXIT.failed };
};
