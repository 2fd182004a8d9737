import { CommanderError } from 'commander';
import type { CliContext } from './context.ts';
import { describeError, EXIT } from './errors.ts';
import { buildProgram } from './program.ts';

/** Runs one command line; resolves with the exit code. Errors are printed as one line on stderr. */
export const runCli = async (argv: string[], context: CliContext): Promise<number> => {
  try {
    await buildProgram(context).parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    // --help and --version end through exitOverride too, with code 0.
    if (error instanceof CommanderError && error.exitCode === 0) return EXIT.ok;
    const { message, exitCode } = describeError(error);
    if (message !== '') context.stderr.write(`eventlog: ${message}\n`);
    return exitCode;
  }
};
