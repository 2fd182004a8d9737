import { Command, Option } from 'commander';
import { ExpectedVersion, MAX_EVENTS_PER_APPEND, NewEvent } from '../../core/index.ts';
import type { CliContext } from '../context.ts';
import { usageError } from '../errors.ts';
import { openInput, readJsonLines } from '../jsonLines.ts';
import { clientFrom, withHttpOptions, type HttpOptions } from '../options.ts';
import { writeLine } from '../output.ts';
import { parseStreamArg, streamIdOf } from '../streamArg.ts';

interface AppendOptions extends HttpOptions {
  type?: string;
  data?: string;
  metadata?: string;
  id?: string;
  file?: string;
  expectedVersion?: string;
  idempotencyKey?: string;
  json?: boolean;
}

const parseJsonOption = (name: string, text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw usageError(`${name} is not valid JSON: ${(error as Error).message}`);
  }
};

/** `3`, `any`, `no_stream`, `exists`, checked with the API's own schema. */
const parseExpectedVersion = (text: string): ExpectedVersion => {
  const parsed = ExpectedVersion.safeParse(/^[0-9]+$/.test(text) ? Number(text) : text);
  if (!parsed.success) throw usageError(`--expected-version must be a version >= 0, any, no_stream or exists (got "${text}")`);
  return parsed.data;
};

const checkEvent = (value: unknown, where: string): NewEvent => {
  const parsed = NewEvent.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw usageError(`${where}: ${issue.path.map(String).join('.') || 'event'}: ${issue.message}`);
};

/** The events to append: one from --type/--data, or JSON lines (or one JSON array) from --file. */
const eventsFrom = async (options: AppendOptions, context: CliContext): Promise<NewEvent[]> => {
  if (options.file !== undefined) {
    if (options.type !== undefined || options.data !== undefined || options.metadata !== undefined || options.id !== undefined)
      throw usageError('give either --file or --type/--data/--metadata/--id, not both');
    const name = options.file === '-' ? 'stdin' : options.file;
    const events: NewEvent[] = [];
    for await (const { line, value } of readJsonLines(openInput(options.file, context.stdin), name)) {
      const items = Array.isArray(value) ? value : [value];
      for (const item of items) events.push(checkEvent(item, `${name}:${line}`));
      if (events.length > MAX_EVENTS_PER_APPEND)
        throw usageError(`${name}: more than ${MAX_EVENTS_PER_APPEND} events; one append is atomic and holds at most ${MAX_EVENTS_PER_APPEND} (use import for bulk loads)`);
    }
    if (events.length === 0) throw usageError(`${name}: no events`);
    return events;
  }
  if (options.type === undefined) throw usageError('give the event with --type (and --data), or events with --file');
  return [
    checkEvent(
      {
        type: options.type,
        data: options.data === undefined ? {} : parseJsonOption('--data', options.data),
        ...(options.metadata === undefined ? {} : { metadata: parseJsonOption('--metadata', options.metadata) }),
        ...(options.id === undefined ? {} : { id: options.id }),
      },
      'event',
    ),
  ];
};

export const appendCommand = (context: CliContext): Command =>
  withHttpOptions(new Command('append'), context.env)
    .description('append events to a stream, all or none')
    .argument('<stream>', 'stream id, e.g. Order-42 (or Order/42)')
    .option('-t, --type <type>', 'event type of a single event')
    .option('-d, --data <json>', 'its data, a JSON object (default {})')
    .option('-m, --metadata <json>', 'its metadata, a JSON object (correlationId, causationId, ...)')
    .option('--id <uuid>', 'its event id (default: chosen by the server)')
    .option('-f, --file <path>', `events as JSON lines or a JSON array ({type, data, metadata?, id?}); - for stdin; at most ${MAX_EVENTS_PER_APPEND}`)
    .option('-e, --expected-version <version>', 'append only if the stream is at this version: a number, any, no_stream or exists (default any)')
    .addOption(new Option('-k, --idempotency-key <key>', 'makes a retry safe (default: a new key per run)'))
    .option('--json', 'print the server answer as JSON')
    .addHelpText('after', `\nExamples:\n  eventlog append Order-42 -t OrderPlaced -d '{"total":30}' -e no_stream\n  eventlog append Order-42 -f events.jsonl`)
    .action(async (streamArg: string, options: AppendOptions) => {
      const stream = parseStreamArg(streamArg);
      const expectedVersion = options.expectedVersion === undefined ? undefined : parseExpectedVersion(options.expectedVersion);
      if (options.idempotencyKey !== undefined && (options.idempotencyKey.length < 1 || options.idempotencyKey.length > 200))
        throw usageError('--idempotency-key must be 1-200 characters');
      const events = await eventsFrom(options, context);
      const answer = await clientFrom(options).append(stream, events, {
        expectedVersion,
        ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
        signal: context.signal,
      });
      if (options.json) return writeLine(context.stdout, JSON.stringify(answer));
      const range = answer.firstSequence === answer.lastSequence ? `#${answer.firstSequence}` : `#${answer.firstSequence}-${answer.lastSequence}`;
      const replayed = answer.replayed ? ' (replayed: the same request was already applied)' : '';
      await writeLine(context.stdout, `appended ${events.length} event(s) to ${streamIdOf(stream)} as ${range}; version ${answer.version}${replayed}`);
    });
