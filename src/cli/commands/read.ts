import { Command } from 'commander';
import type { EventEnvelope } from '../../core/index.ts';
import type { CliContext } from '../context.ts';
import { CliError, usageError } from '../errors.ts';
import { clientFrom, positiveInt, withHttpOptions, type HttpOptions } from '../options.ts';
import { prettyEvent, writeLine } from '../output.ts';
import { parseStreamArg, streamIdOf } from '../streamArg.ts';

interface ReadOptions extends HttpOptions {
  from?: number;
  to?: number;
  asOf?: string;
  limit?: number;
  json?: boolean;
}

/** Events per request: the API's maximum, since the CLI reads whole ranges. */
export const PAGE_SIZE = 1000;

/** ISO-8601 with an offset, as the API accepts it; checked here for a clearer message. */
export const parseInstant = (name: string, text: string): string => {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text) || Number.isNaN(Date.parse(text)))
    throw usageError(`${name} must be an ISO-8601 time with an offset, e.g. 2024-05-01T12:00:00Z (got "${text}")`);
  return new Date(text).toISOString();
};

export const printEvent = (context: CliContext, json: boolean | undefined, event: EventEnvelope): Promise<void> =>
  writeLine(context.stdout, json ? JSON.stringify(event) : prettyEvent(event));

/** An event among other streams' events (a category, a consumer group): the pretty line names its stream. */
export const printFeedEvent = (context: CliContext, json: boolean | undefined, event: EventEnvelope): Promise<void> =>
  writeLine(context.stdout, json ? JSON.stringify(event) : `${event.streamId}  ${prettyEvent(event)}`);

export const readCommand = (context: CliContext): Command =>
  withHttpOptions(new Command('read'), context.env)
    .description("print a stream's events in order (pretty, or JSON lines with --json)")
    .argument('<stream>', 'stream id, e.g. Order-42 (or Order/42)')
    .option('--from <version>', 'first sequence to print (default 1)', positiveInt('--from'))
    .option('--to <version>', 'last sequence to print', positiveInt('--to'))
    .option('--as-of <time>', 'time travel: the stream as it was at this ISO-8601 time')
    .option('-n, --limit <count>', 'print at most this many events', positiveInt('--limit'))
    .option('--json', 'one JSON event envelope per line')
    .addHelpText('after', '\nExamples:\n  eventlog read Order-42\n  eventlog read Order-42 --as-of 2024-05-01T12:00:00Z --json | jq .type')
    .action(async (streamArg: string, options: ReadOptions) => {
      const stream = parseStreamArg(streamArg);
      if (options.from !== undefined && options.to !== undefined && options.to < options.from) throw usageError('--to must not be below --from');
      const asOf = options.asOf === undefined ? undefined : parseInstant('--as-of', options.asOf);
      const pages = clientFrom(options).readStream(stream, {
        fromVersion: options.from,
        toVersion: options.to,
        limit: Math.min(PAGE_SIZE, options.limit ?? PAGE_SIZE),
        asOf,
        signal: context.signal,
      });
      let printed = 0;
      for await (const page of pages) {
        for (const event of page.events) {
          if (options.limit !== undefined && printed >= options.limit) return;
          await printEvent(context, options.json, event);
          printed++;
        }
      }
      if (printed === 0 && (options.from ?? 1) === 1)
        throw new CliError(`stream ${streamIdOf(stream)} has no events${asOf === undefined ? '' : ` at ${asOf}`}`);
    });
