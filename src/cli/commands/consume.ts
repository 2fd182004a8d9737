import { Command, Option } from 'commander';
import type { CliContext } from '../context.ts';
import { usageError } from '../errors.ts';
import { clientFrom, positiveInt, stopSignalOf, withHttpOptions, type HttpOptions } from '../options.ts';
import { durationOption } from '../duration.ts';
import { GroupName } from '../../core/index.ts';
import { printFeedEvent } from './read.ts';

interface ConsumeOptions extends HttpOptions {
  member?: string;
  max?: number;
  create?: boolean;
  category?: string;
  stream?: string;
  from: 'beginning' | 'now';
  timeout?: number;
  json?: boolean;
}

/** How long one `next` waits on the server for events (below the request timeout's default 30 s). */
const WAIT_MS = 20_000;

export const consumeCommand = (context: CliContext): Command =>
  withHttpOptions(new Command('consume'), context.env)
    .description("print a consumer group's events as a member of it, acknowledging each batch once printed, until Ctrl-C")
    .argument('<group>', 'consumer group name')
    .option('--member <name>', 'member name in the group\'s leases (default: a random one)')
    .option('-n, --max <count>', 'events per batch (default 100)', positiveInt('--max'))
    .option('--create', 'create the group first (with --category/--stream and --from); creating it again with the same settings is harmless')
    .option('-c, --category <type>', 'with --create: only events of this aggregate type')
    .option('--stream <streamId>', 'with --create: only events of this stream')
    .addOption(new Option('--from <where>', 'with --create: where a new group starts').choices(['beginning', 'now']).default('beginning'))
    .addOption(durationOption('--timeout <duration>', 'stop after this long instead of at Ctrl-C', 's'))
    .option('--json', 'one JSON event envelope per line')
    .addHelpText('after', '\nA batch is acknowledged after its last event is printed; one not acknowledged (the command stopped) returns to the group when its lease runs out.')
    .action(async (group: string, options: ConsumeOptions) => {
      if (!GroupName.safeParse(group).success) throw usageError(`"${group}" is not a group name: a letter, then letters, digits and _ . - (at most 64)`);
      if (!options.create && (options.category !== undefined || options.stream !== undefined)) throw usageError('--category and --stream take effect with --create');
      const consumer = clientFrom(options).consumer(group, options.member === undefined ? {} : { member: options.member });
      const stop = stopSignalOf(context.signal, options.timeout);
      if (options.create) {
        const filter = { ...(options.category === undefined ? {} : { category: options.category }), ...(options.stream === undefined ? {} : { streamId: options.stream }) };
        await consumer.create({ filter, from: options.from });
      }
      while (!stop.aborted) {
        let batch;
        try {
          batch = await consumer.next({ max: options.max, waitMs: WAIT_MS, signal: stop });
        } catch (error) {
          if (stop.aborted) break;
          throw error;
        }
        for (const event of batch.events) await printFeedEvent(context, options.json, event);
        if (batch.batchId !== undefined) await consumer.ack(batch);
      }
    });
