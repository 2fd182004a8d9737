import { Command } from 'commander';
import { hasStreamArchive, silentLogger, streamIdOf, type ArchiveOutcome } from '../../core/index.ts';
import type { CliContext } from '../context.ts';
import { durationOption } from '../duration.ts';
import { CliError, EXIT, usageError } from '../errors.ts';
import { storeConfigFrom, withStoreOptions, type StoreOptions } from '../options.ts';
import { writeLine } from '../output.ts';
import { openStoreFor } from '../storeAccess.ts';
import { parseStreamArg } from '../streamArg.ts';

interface ArchiveOptions extends StoreOptions {
  policy?: string;
  /** Milliseconds. */
  budget: number;
}

const describeOutcome = (outcome: ArchiveOutcome): string => {
  if (outcome.outcome === 'unchanged') return `${outcome.streamId}: nothing new to archive (archived up to ${outcome.archivedVersion}, version ${outcome.version})`;
  const last = outcome.segments[outcome.segments.length - 1]!;
  return `${outcome.streamId}: archived events ${last.fromVersion}..${last.toVersion} to ${last.location} (${last.digest})`;
};

export const archiveCommand = (context: CliContext): Command =>
  withStoreOptions(new Command('archive'))
    .description('move streams to cold storage (a directory, or a blob container), read back, verified, then removed from the store')
    .argument('[streams...]', 'stream ids to archive now (Type-id or Type/id)')
    .option('--policy <rules>', 'archive every stream of a type untouched this many days, e.g. user:30,post:90 (default: ARCHIVE_POLICY)')
    .addOption(durationOption('--budget <duration>', 'time limit of a --policy run; the next run carries on', 'ms', 10 * 60_000))
    .addHelpText(
      'after',
      '\nThe archive is ARCHIVE_DIR (default DATA_DIR/archive) or ARCHIVE_CONTAINER_URL. An archive interrupted at any step\n' +
        'is finished by the next run. Reads keep returning archived events; see docs/lifecycle.md.\n' +
        '\nExamples:\n  eventlog archive Order-42\n  eventlog archive --policy Order:90',
    )
    .action(async (streamArgs: string[], options: ArchiveOptions) => {
      const streams = streamArgs.map(parseStreamArg);
      const config = storeConfigFrom(options, context.env);
      const policy = options.policy ?? config.ARCHIVE_POLICY;
      if (streams.length === 0 && policy === undefined) throw usageError('name streams to archive, or give --policy (or ARCHIVE_POLICY)');
      const [{ parseArchiveRules }, { streamLifecycle }, { openColdStorage }] = await Promise.all([
        import('../../lifecycle/archivePolicy.ts'),
        import('../../lifecycle/streamLifecycle.ts'),
        import('../../stores/openColdStorage.ts'),
      ]);
      let rules;
      try {
        rules = policy === undefined ? [] : parseArchiveRules(policy);
      } catch (error) {
        throw usageError(`--policy: ${(error as Error).message}`);
      }
      const store = await openStoreFor(config, 'archive');
      try {
        if (!hasStreamArchive(store)) throw new CliError(`EVENT_STORE=${config.EVENT_STORE} keeps no archive records`, EXIT.usage);
        const lifecycle = streamLifecycle({ hot: store, store, cold: await openColdStorage(config), region: config.REGION, logger: silentLogger });
        for (const stream of streams) {
          if (context.signal.aborted) throw new CliError(`interrupted before ${streamIdOf(stream)}`, EXIT.interrupted);
          await writeLine(context.stdout, describeOutcome(await lifecycle.operations.archive(stream)));
        }
        if (rules.length > 0) {
          const run = await lifecycle.runPolicy(rules, options.budget);
          await writeLine(
            context.stdout,
            `policy ${policy}: archived ${run.archived} streams, ${run.unchanged} unchanged, ${run.failed} failed${run.interrupted ? ' (budget spent; run again to continue)' : ''}`,
          );
          if (run.failed > 0) throw new CliError(`${run.failed} streams failed to archive; run again to retry them`, EXIT.failed);
        }
      } finally {
        await store.close();
      }
    });
