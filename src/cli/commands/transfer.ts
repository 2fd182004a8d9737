import { createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { CliError, EXIT } from '../errors.ts';
import { openInput, readJsonLines } from '../jsonLines.ts';
import { storeConfigFrom, withStoreOptions, type StoreOptions } from '../options.ts';
import { writeLine } from '../output.ts';
import { startProgress } from '../progress.ts';
import { checkStoreFor, isNewSqliteLog, openStoreFor } from '../storeAccess.ts';
import { parseStreamArg } from '../streamArg.ts';
import { exportEvents } from '../transfer/exportEvents.ts';
import { importEvents, planImport, type ImportPlan, type LineSource } from '../transfer/importEvents.ts';

interface ExportOptions extends StoreOptions {
  out?: string;
}

interface ImportOptions extends StoreOptions {
  dryRun?: boolean;
}

export const exportCommand = (context: CliContext): Command =>
  withStoreOptions(new Command('export'))
    .description('write streams as JSON lines, one event envelope a line (backup, migration)')
    .argument('[streams...]', 'stream ids to export (default: the whole log, in commit order)')
    .option('-o, --out <file>', 'write to this file instead of stdout')
    .addHelpText('after', '\nExamples:\n  eventlog export > backup.jsonl\n  eventlog export Order-42 Order-43 -o orders.jsonl')
    .action(async (streamArgs: string[], options: ExportOptions) => {
      const streams = streamArgs.map(parseStreamArg);
      const store = await openStoreFor(storeConfigFrom(options, context.env), 'export');
      let out: Writable = context.stdout;
      const progress = startProgress(context, 'exporting', streams.length > 0 ? 'events' : 'positions');
      let count = 0;
      try {
        if (options.out !== undefined) out = (await open(options.out, 'w')).createWriteStream();
        for await (const event of exportEvents(store, streams, (value, total) => progress.update(value, total))) {
          if (context.signal.aborted) throw new CliError(`interrupted after ${count} events`, EXIT.interrupted);
          await writeLine(out, JSON.stringify(event));
          count++;
        }
      } finally {
        progress.stop();
        await store.close();
        if (out !== context.stdout) await finished(out.end());
      }
      context.stderr.write(`exported ${count} events\n`);
    });

/** The input as something that can be read twice; standard input is first copied to a temporary file. */
const twiceReadable = async (path: string, context: CliContext): Promise<{ lines: LineSource; name: string; cleanup: () => Promise<void> }> => {
  if (path !== '-') return { lines: () => readJsonLines(openInput(path, context.stdin), path), name: path, cleanup: async () => {} };
  const dir = await mkdtemp(join(tmpdir(), 'eventlog-import-'));
  const copy = join(dir, 'stdin.jsonl');
  await pipeline(context.stdin, createWriteStream(copy));
  return { lines: () => readJsonLines(openInput(copy, context.stdin), 'stdin'), name: 'stdin', cleanup: () => rm(dir, { recursive: true, force: true }) };
};

export const importCommand = (context: CliContext): Command =>
  withStoreOptions(new Command('import'))
    .description('append exported JSON lines to a store, keeping event ids, order and metadata')
    .argument('[file]', 'JSON lines from eventlog export; - for stdin', '-')
    .option('--dry-run', 'check the input against the store and report, without writing')
    .addHelpText(
      'after',
      '\nThe whole input is checked before anything is written. recordedAt is stamped anew by the target store;\n' +
        'every other field is kept. Running an interrupted import again continues where it stopped.\n' +
        '\nExample (SQLite to Cosmos DB):\n  eventlog export --data-dir .data | EVENT_STORE=cosmos COSMOS__accountEndpoint=... eventlog import',
    )
    .action(async (file: string, options: ImportOptions) => {
      const config = storeConfigFrom(options, context.env);
      checkStoreFor(config, 'import');
      const input = await twiceReadable(file, context);
      const progress = startProgress(context, 'importing', 'events');
      try {
        // Into a SQLite log that does not exist yet, the input is checked against an empty stand-in
        // first: the log (and its directory) is created only for input that passes, so a failed import
        // leaves --data-dir as it was.
        const standIn = (await isNewSqliteLog(config)) ? new (await import('../../stores/memory/memoryEventStore.ts')).MemoryEventStore() : undefined;
        const plan = standIn === undefined ? undefined : await planImport(standIn, input.lines, input.name);
        let summary: ImportPlan;
        if (plan !== undefined && options.dryRun) summary = plan;
        else {
          const store = await openStoreFor(config, 'import');
          try {
            summary = options.dryRun
              ? await planImport(store, input.lines, input.name)
              : await importEvents(store, input.lines, input.name, (written, total) => progress.update(written, total), plan);
          } finally {
            await store.close();
          }
        }
        progress.stop();
        const verb = options.dryRun ? 'would import' : 'imported';
        await writeLine(
          context.stdout,
          `${verb} ${summary.toWrite} events into ${summary.streams} streams (${summary.events} read, ${summary.present} already present)`,
        );
      } finally {
        progress.stop();
        await input.cleanup();
      }
    });
