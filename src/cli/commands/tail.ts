import { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { EXIT, usageError } from '../errors.ts';
import { clientFrom, positiveInt, stopSignalOf, withHttpOptions, type HttpOptions } from '../options.ts';
import { durationOption } from '../duration.ts';
import { writeLine } from '../output.ts';
import { AggregateType } from '../../core/index.ts';
import { parseStreamArg, streamIdOf } from '../streamArg.ts';
import { printEvent, printFeedEvent } from './read.ts';

interface TailOptions extends HttpOptions {
  category?: string;
  from?: number;
  timeout?: number;
  json?: boolean;
}

/** Connections that may fail in a row (no answer, 5xx) before tail gives up. */
export const MAX_FAILED_CONNECTIONS = 10;

/** The feed filter and start a tail's arguments name; one line at the CLI for a bad combination. */
const feedOf = (streamArg: string | undefined, options: TailOptions): { category?: string; streamId?: string; after?: string; fromSequence?: number } => {
  if ((streamArg === undefined) === (options.category === undefined)) throw usageError('give a stream (e.g. Order-42) or --category <type>, not both');
  if (options.category !== undefined) {
    if (!AggregateType.safeParse(options.category).success) throw usageError(`--category must be an aggregate type, e.g. Order (got "${options.category}")`);
    if (options.from !== undefined) throw usageError('--from is a sequence of one stream: give a stream instead of --category');
    return { category: options.category, after: 'now' };
  }
  const streamId = streamIdOf(parseStreamArg(streamArg!));
  // From a sequence: the stream's feed from its start, printing from that sequence on.
  return options.from === undefined ? { streamId, after: 'now' } : { streamId, fromSequence: options.from };
};

export const tailCommand = (context: CliContext): Command =>
  withHttpOptions(new Command('tail'), context.env)
    .description('print events of a stream or a category as they are appended (the feed over Server-Sent Events), until Ctrl-C')
    .argument('[stream]', 'stream id, e.g. Order-42 (or Order/42)')
    .option('-c, --category <type>', 'every stream of this aggregate type instead of one stream')
    .option('--from <version>', 'a stream from this sequence on (default: what is appended from now)', positiveInt('--from'))
    .addOption(durationOption('--timeout <duration>', 'stop after this long instead of at Ctrl-C', 's'))
    .option('--json', 'one JSON event envelope per line')
    .addHelpText(
      'after',
      `\nOne connection, resumed after the last event printed when it drops; after ${MAX_FAILED_CONNECTIONS} failed connections in a row tail gives up (exit ${EXIT.unavailable}).`,
    )
    .action(async (streamArg: string | undefined, options: TailOptions) => {
      const { fromSequence, ...feed } = feedOf(streamArg, options);
      const client = clientFrom(options, { maxAttempts: MAX_FAILED_CONNECTIONS });
      const stop = stopSignalOf(context.signal, options.timeout);
      const onReconnect = (failures: number, error: Error): void =>
        void writeLine(context.stderr, `eventlog: connection lost (${failures}/${MAX_FAILED_CONNECTIONS}), reconnecting: ${error.message}`);
      let connected = false;
      // Once, on stderr: from here on nothing appended is missed (scripts may wait for this line).
      const onConnected = (): void => {
        if (!connected) void writeLine(context.stderr, `eventlog: following ${feed.category === undefined ? `stream ${feed.streamId}` : `category ${feed.category}`}`);
        connected = true;
      };
      for await (const { event } of client.feed({ ...feed, signal: stop, onReconnect, onConnected })) {
        if (fromSequence !== undefined && event.sequence < fromSequence) continue;
        await (feed.category === undefined ? printEvent(context, options.json, event) : printFeedEvent(context, options.json, event));
      }
    });
