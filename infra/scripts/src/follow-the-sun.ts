// follow-the-sun: move the write region to where the working day is. Run it hourly
// (cron, a pipeline schedule); it does nothing when the scheduled region already writes.
import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { parseSchedule, regionAt, type Schedule } from './schedule.ts';
import { readParameterFile } from './params.ts';
import { normalizeRegion } from './priorities.ts';
import { failover } from './failover.ts';
import {
  type Deps,
  DEFAULT_PARAMETERS,
  DEFAULT_SCHEDULE,
  UsageError,
  accountOptions,
  contextFrom,
  isEntryPoint,
  resolveAccount,
  runMain,
} from './cli.ts';

export const readSchedule = async (path: string): Promise<Schedule> => {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read schedule ${path}: ${(error as Error).message}`);
  }
  try {
    return parseSchedule(json);
  } catch (error) {
    throw new UsageError(`${path}: ${(error as Error).message}`);
  }
};

const USAGE = `usage: infra/scripts/follow-the-sun [options]

Picks the write region for the current UTC hour from the schedule and fails over to it
(planned) when it is not the write region already.

  --schedule <file>        default infra/follow-the-sun.json
  --at <ISO time>          decide for this time instead of now
  --dry-run                print the calls that would change the account
  --parameters <file>      parameter file to keep in step (default infra/main.parameters.json)
  --no-parameters          leave the parameter file alone
  plus the account options of infra/scripts/failover (--subscription, -g, --account, --outputs)`;

export const main = async (argv: string[], deps: Deps = {}): Promise<void> => {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...accountOptions,
      schedule: { type: 'string' },
      at: { type: 'string' },
      parameters: { type: 'string' },
      'no-parameters': { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const log = deps.log ?? ((line: string) => console.log(line));
  if (values.help) {
    log(USAGE);
    return;
  }
  const at = values.at !== undefined ? new Date(values.at) : (deps.now?.() ?? new Date());
  if (Number.isNaN(at.getTime())) throw new UsageError(`--at ${values.at} is not a time`);
  const schedule = await readSchedule(values.schedule ?? DEFAULT_SCHEDULE);
  const region = normalizeRegion(regionAt(schedule, at));

  const parametersFile = values['no-parameters'] ? undefined : (values.parameters ?? DEFAULT_PARAMETERS);
  const useFile = parametersFile !== undefined && existsSync(parametersFile) ? parametersFile : undefined;
  if (useFile !== undefined) {
    const regions = (await readParameterFile(useFile)).parameters.locations.value.map((l) => l.locationName);
    const unknown = schedule.schedule.map((e) => normalizeRegion(e.region)).filter((r) => !regions.includes(r));
    if (unknown.length > 0) throw new UsageError(`schedule names regions not in ${useFile}: ${[...new Set(unknown)].join(', ')}`);
  }

  log(`${at.toISOString()}: hour ${at.getUTCHours()} UTC belongs to ${region}`);
  const ref = await resolveAccount(values, deps.env ?? process.env);
  const ctx = await contextFrom({ ...deps, log }, values['dry-run']);
  await failover(ctx, { ref, to: region, parametersFile: useFile });
};

if (isEntryPoint(import.meta.url)) {
  process.exitCode = await runMain(() => main(process.argv.slice(2)));
}
