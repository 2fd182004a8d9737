// drill --region <r>: rehearse losing a region, then bring everything back.
//
// mode offline (default): POST offlineRegion, the service's own outage simulation. When
//   the region is the write region this is a forced failover: the next region by priority
//   takes the writes, and writes not yet replicated out of the offlined region can be lost,
//   as in a real outage. After --hold seconds: POST onlineRegion (it returns as a read
//   region), then, unless --no-restore, a planned failover back to the original priorities.
// mode failover: the gentle rehearsal. A planned failover moves the writes to the next
//   region by priority and, after --hold, back. Nothing goes offline, nothing can be lost.
//   A region that does not write has nothing to move, and the drill says so.
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { type AccountRef, getAccount, offlineRegion, onlineRegion, changeFailoverPriority } from './cosmos.ts';
import { byPriority, describePolicies, normalizeRegion, promote, writeRegionOf } from './priorities.ts';
import { checkMovable, syncParameterFile, verifyWriteRegion } from './failover.ts';
import {
  type Context,
  type Deps,
  DEFAULT_PARAMETERS,
  UsageError,
  accountOptions,
  contextFrom,
  isEntryPoint,
  resolveAccount,
  runMain,
} from './cli.ts';

export interface DrillOptions {
  ref: AccountRef;
  region: string;
  mode: 'offline' | 'failover';
  holdSeconds: number;
  restore: boolean;
  parametersFile?: string | undefined;
  verifyAttempts?: number;
}

export interface DrillResult {
  region: string;
  writeRegionBefore: string | undefined;
  writeRegionDuring: string | undefined;
  writeRegionAfter: string | undefined;
}

/** Bounded wait until `check` holds for the account. */
const waitFor = async (
  ctx: Context,
  ref: AccountRef,
  what: string,
  attempts: number,
  check: (account: Awaited<ReturnType<typeof getAccount>>) => boolean,
): Promise<Awaited<ReturnType<typeof getAccount>>> => {
  let last = await getAccount(ctx.client, ref);
  for (let attempt = 1; !check(last); attempt++) {
    if (attempt >= attempts) throw new Error(`${what}: not seen after ${attempts} reads (write ${last.writeRegions.join(',')}, read ${last.readRegions.join(',')})`);
    await ctx.sleep(ctx.pollIntervalMs);
    last = await getAccount(ctx.client, ref);
  }
  return last;
};

export const drill = async (ctx: Context, options: DrillOptions): Promise<DrillResult> => {
  const region = normalizeRegion(options.region);
  const attempts = options.verifyAttempts ?? 10;
  const before = await getAccount(ctx.client, options.ref);
  const original = before.policies;
  const writeBefore = writeRegionOf(original);
  if (!original.some((p) => p.locationName === region)) {
    throw new UsageError(`region ${region} is not a region of the account (${describePolicies(original)})`);
  }
  if (original.length < 2) throw new UsageError('a drill needs an account with at least two regions');
  ctx.log(`drill (${options.mode}) of ${region}; write region ${writeBefore ?? '?'}; ${describePolicies(original)}`);

  let writeDuring: string | undefined = writeBefore;
  if (options.mode === 'offline') {
    if (before.provisioningState !== 'Succeeded') throw new Error(`the account is ${before.provisioningState}; wait until it is Succeeded`);
    ctx.log(`taking ${region} offline`);
    const off = await offlineRegion(ctx.client, options.ref, region);
    if (off.sent) {
      const during = await waitFor(ctx, options.ref, `${region} no longer writing`, attempts, (a) => !a.writeRegions.includes(region) || a.multiWrite);
      writeDuring = during.writeRegions[0];
      ctx.log(`${region} is offline (${during.regionStates[region] ?? 'state unknown'}); writes go to ${during.writeRegions.join(', ') || 'no region'}`);
    }
  } else {
    checkMovable(before);
    if (writeBefore !== region) {
      ctx.log(`${region} does not write: a planned-failover drill has nothing to move`);
      return { region, writeRegionBefore: writeBefore, writeRegionDuring: writeBefore, writeRegionAfter: writeBefore };
    }
    const next = byPriority(original)[1]!.locationName;
    ctx.log(`moving writes from ${region} to ${next}`);
    const moved = await changeFailoverPriority(ctx.client, options.ref, promote(original, next));
    if (moved.sent) await verifyWriteRegion(ctx, options.ref, next, attempts);
    writeDuring = next;
  }

  if (options.holdSeconds > 0) {
    ctx.log(`holding for ${options.holdSeconds} s: watch the apps, then the region comes back`);
    if (!ctx.dryRun) await ctx.sleep(options.holdSeconds * 1000);
  }

  if (options.mode === 'offline') {
    ctx.log(`bringing ${region} online`);
    const on = await onlineRegion(ctx.client, options.ref, region);
    if (on.sent) {
      await waitFor(ctx, options.ref, `${region} back online`, attempts, (a) => a.readRegions.includes(region) || a.writeRegions.includes(region));
      ctx.log(`${region} is online again`);
    }
  }

  let writeAfter = writeDuring;
  if (writeDuring !== writeBefore && writeBefore !== undefined) {
    if (options.restore) {
      ctx.log(`restoring the write region ${writeBefore}: ${describePolicies(original)}`);
      const back = await changeFailoverPriority(ctx.client, options.ref, original);
      if (back.sent) await verifyWriteRegion(ctx, options.ref, writeBefore, attempts);
      writeAfter = writeBefore;
    } else {
      ctx.log(`--no-restore: ${writeDuring ?? '?'} keeps the writes`);
      if (options.parametersFile !== undefined && !ctx.dryRun) {
        const now = await getAccount(ctx.client, options.ref);
        await syncParameterFile(ctx, options.parametersFile, now.policies);
      }
    }
  }
  ctx.log('drill done');
  return { region, writeRegionBefore: writeBefore, writeRegionDuring: writeDuring, writeRegionAfter: writeAfter };
};

const USAGE = `usage: infra/scripts/drill --region <region> [options]

Takes a region out and brings it back, to rehearse an outage.

  --region <region>        region to take out
  --mode offline|failover  offline (default): the offlineRegion operation, a forced failover
                           when the region writes; failover: a planned move of the writes
                           away and back, nothing goes offline
  --hold <seconds>         how long the region stays out (default 60)
  --no-restore             leave the writes where the drill put them (and update the
                           parameter file to match)
  --dry-run                print the calls that would change the account
  --parameters <file>      parameter file to keep in step (default infra/main.parameters.json)
  plus the account options of infra/scripts/failover (--subscription, -g, --account, --outputs)`;

export const main = async (argv: string[], deps: Deps = {}): Promise<void> => {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...accountOptions,
      region: { type: 'string' },
      mode: { type: 'string', default: 'offline' },
      hold: { type: 'string', default: '60' },
      'no-restore': { type: 'boolean', default: false },
      parameters: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const log = deps.log ?? ((line: string) => console.log(line));
  if (values.help) {
    log(USAGE);
    return;
  }
  if (values.region === undefined) throw new UsageError(`--region is required\n${USAGE}`);
  if (values.mode !== 'offline' && values.mode !== 'failover') throw new UsageError(`--mode must be offline or failover`);
  const holdSeconds = Number(values.hold);
  if (!Number.isFinite(holdSeconds) || holdSeconds < 0 || holdSeconds > 86_400) throw new UsageError('--hold must be 0..86400 seconds');
  const parametersFile = values.parameters ?? DEFAULT_PARAMETERS;
  const ref = await resolveAccount(values, deps.env ?? process.env);
  const ctx = await contextFrom({ ...deps, log }, values['dry-run']);
  await drill(ctx, {
    ref,
    region: values.region,
    mode: values.mode,
    holdSeconds,
    restore: !values['no-restore'],
    parametersFile: existsSync(parametersFile) ? parametersFile : undefined,
  });
};

if (isEntryPoint(import.meta.url)) {
  process.exitCode = await runMain(() => main(process.argv.slice(2)));
}
