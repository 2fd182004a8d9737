import { spawn } from 'node:child_process';
import { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { CliError, EXIT } from '../errors.ts';
import { findAbove } from '../../packageInfo.ts';

const SCRIPT = 'infra/scripts/failover';

/** Runs the infra script with the same arguments, terminal and exit code: one implementation of failover. */
const runScript = (script: string, args: string[], context: CliContext): Promise<number> =>
  new Promise((resolve, reject) => {
    const child = spawn(script, args, { stdio: 'inherit', env: context.env });
    const forward = () => child.kill('SIGINT');
    context.signal.addEventListener('abort', forward, { once: true });
    child.once('error', (error) => reject(new CliError(`could not run ${SCRIPT}: ${error.message}`)));
    child.once('exit', (code, signal) => {
      context.signal.removeEventListener('abort', forward);
      resolve(code ?? (signal === 'SIGINT' ? EXIT.interrupted : EXIT.failed));
    });
  });

export const failoverCommand = (context: CliContext): Command =>
  new Command('failover')
    .description(`move the events account's write region (runs ${SCRIPT}; see its --help)`)
    .argument('[args...]', `passed to ${SCRIPT}, e.g. --to westeurope --resource-group rg`)
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (args: string[]) => {
      const script = findAbove(import.meta.url, SCRIPT);
      if (script === undefined) throw new CliError(`${SCRIPT} not found: failover runs from a checkout of the project`, EXIT.usage);
      const code = await runScript(script, args, context);
      // The script has said why on stderr already; only its exit code is passed on.
      if (code !== 0) throw new CliError('', code);
    });
