import { Command } from 'commander';
import { packageInfo } from '../packageInfo.ts';
import { appendCommand } from './commands/append.ts';
import { archiveCommand } from './commands/archive.ts';
import { consumeCommand } from './commands/consume.ts';
import { failoverCommand } from './commands/failover.ts';
import { initCommand } from './commands/init.ts';
import { openApiCommand } from './commands/openapi.ts';
import { projectionsCommand } from './commands/projections.ts';
import { readCommand } from './commands/read.ts';
import { tailCommand } from './commands/tail.ts';
import { exportCommand, importCommand } from './commands/transfer.ts';
import type { CliContext } from './context.ts';

/** Every command throws instead of exiting, and prints commander's own errors as one line. */
const configure = (command: Command, context: CliContext): void => {
  command
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
      outputError: () => {}, // main.ts prints every error, commander's included, the same way
    });
  for (const sub of command.commands) configure(sub, context);
};

/** The `eventlog` command tree. */
export const buildProgram = (context: CliContext): Command => {
  const program = new Command('eventlog')
    .description('Admin tool of the event log: read, append and tail streams over HTTP, consume a consumer group, control projections, export and import stores, create containers, move the write region.')
    .version(packageInfo.version, '-V, --version')
    .addCommand(appendCommand(context))
    .addCommand(readCommand(context))
    .addCommand(tailCommand(context))
    .addCommand(consumeCommand(context))
    .addCommand(projectionsCommand(context))
    .addCommand(exportCommand(context))
    .addCommand(importCommand(context))
    .addCommand(archiveCommand(context))
    .addCommand(initCommand(context))
    .addCommand(failoverCommand(context))
    .addCommand(openApiCommand(context))
    .addHelpText(
      'after',
      '\nHTTP commands use --url (EVENTLOG_URL, default http://$HOST:$PORT, 127.0.0.1:7071 without them) and --key (EVENTLOG_KEY).\n' +
        'export, import, archive and init open the store directly, configured like the server (EVENT_STORE, DATA_DIR, COSMOS_*).\n' +
        'Durations take a unit: 500ms, 5s, 2m, 1h. A bare number keeps its old unit: seconds for --timeout, milliseconds otherwise.\n' +
        'Exit codes: 0 ok, 1 failed, 2 bad usage or configuration, 3 unreachable or unavailable, 130 interrupted.',
    );
  configure(program, context);
  return program;
};
