import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { EventLogUnavailableError, EventLogProblemError } from '../../client/index.ts';
import type { CliContext } from '../context.ts';
import { CliError, EXIT } from '../errors.ts';
import { clientFrom, positiveInt, stopSignalOf, withHttpOptions, type HttpOptions } from '../options.ts';
import { durationOption } from '../duration.ts';
import { writeLine } from '../output.ts';
import { parseStreamArg, streamIdOf } from '../streamArg.ts';
import { PAGE_SIZE, printEvent } from './read.ts';

interface TailOptions extends HttpOptions {
  from?: number;
  /** Milliseconds, as every duration a command receives. */
  interval: number;
  timeout?: number;
  json?: boolean;
}

/** Polls that may fail in a row (each after the client's own retries) before tail gives up. */
export const MAX_FAILED_POLLS = 10;

const transient = (error: unknown): boolean =>
  error instanceof EventLogUnavailableError || (error instanceof EventLogProblemError && error.status >= 500);

export const tailCommand = (context: CliContext): Command =>
  withHttpOptions(new Command('tail'), context.env)
    .description('print new events of a stream as they are appended, until Ctrl-C')
    .argument('<stream>', 'stream id, e.g. Order-42 (or Order/42)')
    .option('--from <version>', 'start at this sequence (default: after the current version)', positiveInt('--from'))
    .addOption(durationOption('-i, --interval <duration>', 'wait between polls', 'ms', 1000))
    .addOption(durationOption('--timeout <duration>', 'stop after this long instead of at Ctrl-C', 's'))
    .option('--json', 'one JSON event envelope per line')
    .addHelpText('after', `\nEach poll is one bounded read; after ${MAX_FAILED_POLLS} failed polls in a row tail gives up (exit ${EXIT.unavailable}).`)
    .action(async (streamArg: string, options: TailOptions) => {
      const stream = parseStreamArg(streamArg);
      const client = clientFrom(options);
      const stop = stopSignalOf(context.signal, options.timeout);
      let next = options.from ?? ((await client.getStream(stream, { signal: stop }))?.version ?? 0) + 1;
      let failures = 0;
      while (!stop.aborted) {
        try {
          for await (const page of client.readStream(stream, { fromVersion: next, limit: PAGE_SIZE, signal: stop })) {
            for (const event of page.events) {
              await printEvent(context, options.json, event);
              next = event.sequence + 1;
            }
          }
          failures = 0;
        } catch (error) {
          if (stop.aborted) break;
          if (!transient(error)) throw error;
          failures++;
          if (failures >= MAX_FAILED_POLLS)
            throw new CliError(`gave up after ${failures} failed polls of ${streamIdOf(stream)}: ${(error as Error).message}`, EXIT.unavailable);
          await writeLine(context.stderr, `eventlog: poll failed (${failures}/${MAX_FAILED_POLLS}), retrying: ${(error as Error).message}`);
        }
        await sleep(options.interval, undefined, { signal: stop }).catch(() => undefined);
      }
    });
