import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { CliError, EXIT } from '../errors.ts';
import { clientFrom, positiveInt, stopSignalOf, withHttpOptions, type HttpOptions } from '../options.ts';
import { durationOption, formatDuration } from '../duration.ts';
import { table, writeLine } from '../output.ts';
import { startProgress } from '../progress.ts';
import { projectionsApi, type ProjectionEntry, type ProjectionsApi } from '../projectionsApi.ts';

interface StatusOptions extends HttpOptions {
  json?: boolean;
}

interface RebuildOptions extends HttpOptions {
  wait: boolean;
  /** Milliseconds, as every duration a command receives. */
  interval: number;
  timeout?: number;
}

const lagText = (lag: number | null): string => (lag === null ? 'unknown' : String(lag));

const haltText = (entry: ProjectionEntry): string =>
  entry.halt === undefined
    ? (entry.lastError ?? '')
    : `halted on ${entry.halt.streamId}#${entry.halt.sequence} (${entry.halt.type}, event ${entry.halt.eventId}) after ${entry.halt.attempts} tries: ${entry.halt.error}`;

const rebuildText = (entry: ProjectionEntry): string => {
  const rebuild = entry.rebuild;
  if (rebuild === undefined) return '';
  const total = rebuild.lag === null ? undefined : rebuild.position + rebuild.lag;
  const share = total === undefined || total === 0 ? '' : ` ${Math.floor((100 * rebuild.position) / total)}%`;
  return `generation ${rebuild.generation}${share}${rebuild.switching ? ', switching' : ''}`;
};

const findEntry = async (api: ProjectionsApi, name: string, signal?: AbortSignal): Promise<ProjectionEntry> => {
  const entry = (await api.list(signal)).find((e) => e.name === name);
  if (entry === undefined) throw new CliError(`no projection named ${name}`);
  return entry;
};

const statusCommand = (context: CliContext): Command =>
  withHttpOptions(new Command('status'), context.env)
    .description("list the region's projections: status, position, lag, errors")
    .option('--json', 'the entries as JSON, one per line')
    .action(async (options: StatusOptions) => {
      const [health, entries] = await Promise.all([clientFrom(options).health({ signal: context.signal }), projectionsApi(options).list(context.signal)]);
      if (options.json) {
        for (const entry of entries) await writeLine(context.stdout, JSON.stringify({ region: health.region, ...entry }));
        return;
      }
      await writeLine(context.stdout, `region ${health.region} (${options.url})`);
      const rows = entries.map((e) => [e.name, e.status, String(e.position), lagText(e.lag), String(e.generation), rebuildText(e), haltText(e)]);
      for (const line of table(['NAME', 'STATUS', 'POSITION', 'LAG', 'GENERATION', 'REBUILD', 'ERROR'], rows)) await writeLine(context.stdout, line);
    });

/** Polls the listing until the rebuild of `generation` has switched, drawing its progress. */
const followRebuild = async (context: CliContext, api: ProjectionsApi, name: string, generation: number, options: RebuildOptions) => {
  const stop = stopSignalOf(context.signal, options.timeout);
  const progress = startProgress(context, `rebuilding ${name}`, 'events');
  try {
    for (;;) {
      const entry = await findEntry(api, name, stop);
      if (entry.status === 'halted')
        throw new CliError(`rebuild of ${name} ${haltText(entry)}; fix the cause, then: eventlog projections resume ${name} (or skip ${name})`);
      const rebuild = entry.rebuild;
      if (rebuild === undefined) {
        if (entry.generation >= generation) {
          progress.complete();
          return entry;
        }
        throw new CliError(`rebuild of ${name} (generation ${generation}) ended without switching; now serving generation ${entry.generation}`);
      }
      if (rebuild.generation !== generation)
        throw new CliError(`another rebuild (generation ${rebuild.generation}) replaced this one; follow it with eventlog projections status`);
      progress.update(rebuild.position, rebuild.lag === null ? undefined : rebuild.position + rebuild.lag);
      await sleep(options.interval, undefined, { signal: stop });
    }
  } catch (error) {
    if (context.signal.aborted) throw new CliError(`stopped watching; the rebuild of ${name} goes on in the server`, EXIT.interrupted);
    if (stop.aborted) throw new CliError(`the rebuild of ${name} did not finish within ${formatDuration(options.timeout!)}; it goes on in the server`);
    throw error;
  } finally {
    progress.stop();
  }
};

const rebuildCommand = (context: CliContext): Command =>
  withHttpOptions(new Command('rebuild'), context.env)
    .description('replay the log into a new generation of the views, then switch; shows progress and ETA')
    .argument('<name>', 'projection name')
    .option('--no-wait', 'return once the rebuild is requested')
    .addOption(durationOption('-i, --interval <duration>', 'how often to poll the progress', 'ms', 500))
    .addOption(durationOption('--timeout <duration>', 'give up waiting after this long; the rebuild goes on', 's'))
    .action(async (name: string, options: RebuildOptions) => {
      const api = projectionsApi(options);
      const started = Date.now();
      const requested = await api.rebuild(name);
      const generation = requested.rebuild?.generation;
      if (generation === undefined) throw new CliError(`the server accepted the rebuild of ${name} but reports none under way`);
      if (!options.wait) return writeLine(context.stdout, `rebuild of ${name} requested: generation ${generation}`);
      const done = await followRebuild(context, api, name, generation, options);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      await writeLine(context.stdout, `rebuilt ${name}: generation ${done.generation} serving, ${done.eventsApplied} events applied, ${seconds}s`);
    });

const resumeCommand = (context: CliContext, skip: boolean): Command =>
  withHttpOptions(new Command(skip ? 'skip' : 'resume'), context.env)
    .description(
      skip
        ? 'move a halted projection past the event it halted on, recording it as skipped'
        : 'retry the event a halted projection stopped on (after fixing the cause)',
    )
    .argument('<name>', 'projection name')
    .action(async (name: string, options: HttpOptions) => {
      const api = projectionsApi(options);
      const before = await findEntry(api, name, context.signal);
      if (before.halt === undefined) throw new CliError(`projection ${name} is not halted (${before.status}); nothing to ${skip ? 'skip' : 'resume'}`);
      const after = await api.resume(name, skip);
      const event = `${before.halt.streamId}#${before.halt.sequence} (event ${before.halt.eventId})`;
      await writeLine(context.stdout, `${skip ? 'skipped' : 'resumed at'} ${event}; ${name} is ${after.status}`);
    });

export const projectionsCommand = (context: CliContext): Command =>
  new Command('projections')
    .description('status and control of the projections of a region (over the HTTP API)')
    .addCommand(statusCommand(context), { isDefault: true })
    .addCommand(rebuildCommand(context))
    .addCommand(resumeCommand(context, false))
    .addCommand(resumeCommand(context, true))
    .addHelpText('after', '\nrebuild, resume and skip need the admin key (--key or EVENTLOG_KEY) when keys are configured.');
