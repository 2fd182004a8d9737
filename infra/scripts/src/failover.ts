// failover --to <region>: a planned move of the events account's write region.
//
// Why an operation and not a redeploy: Cosmos DB changes the write region only through
// its failoverPriorityChange action (a graceful switch: the old write region drains, the
// new one takes over, no acknowledged write is lost). A template deployment is an account
// update, and the service does not move the write region in an update. So the script moves
// it first, then writes the new priorities into the parameter file, so that the next
// deployment sends what the account already has instead of fighting it.
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { type AccountRef, type AccountState, changeFailoverPriority, getAccount } from './cosmos.ts';
import { type FailoverPolicy, describePolicies, normalizeRegion, promote, samePolicies, writeRegionOf } from './priorities.ts';
import { readParameterFile, withPolicies, writeParameterFile, policiesOf } from './params.ts';
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

export interface FailoverOptions {
  ref: AccountRef;
  to: string;
  /** Parameter file to bring in step; undefined: leave files alone. */
  parametersFile?: string | undefined;
  /** GETs after the operation until the account reports the new write region. */
  verifyAttempts?: number;
}

export interface FailoverResult {
  from: string | undefined;
  to: string;
  changed: boolean;
  policies: FailoverPolicy[];
}

/** Polls the account until `region` is its only write region; bounded. */
export const verifyWriteRegion = async (ctx: Context, ref: AccountRef, region: string, attempts: number): Promise<AccountState> => {
  let last: AccountState | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    last = await getAccount(ctx.client, ref);
    if (last.writeRegions.length === 1 && last.writeRegions[0] === region) return last;
    if (attempt < attempts) await ctx.sleep(ctx.pollIntervalMs);
  }
  throw new Error(
    `the operation succeeded but the account writes in ${last?.writeRegions.join(', ') || 'no region'}, not ${region}`,
  );
};

/** Writes the account's priorities into the parameter file when they differ. */
export const syncParameterFile = async (ctx: Context, path: string, policies: readonly FailoverPolicy[]): Promise<boolean> => {
  const file = await readParameterFile(path);
  if (samePolicies(policiesOf(file), policies) && file.parameters.writeRegion.value === writeRegionOf(policies)) {
    ctx.log(`${path}: already writeRegion ${file.parameters.writeRegion.value}`);
    return false;
  }
  const updated = withPolicies(file, policies);
  if (ctx.dryRun) {
    ctx.log(`[dry-run] would set ${path}: writeRegion ${updated.parameters.writeRegion.value}; ${describePolicies(policies)}`);
    return false;
  }
  await writeParameterFile(path, updated);
  ctx.log(`${path}: writeRegion ${updated.parameters.writeRegion.value}; ${describePolicies(policies)}`);
  return true;
};

export const checkMovable = (account: AccountState): void => {
  if (account.multiWrite) {
    throw new UsageError(
      'the account accepts writes in every region (enableMultipleWriteLocations): there is no single write region to move',
    );
  }
  if (account.provisioningState !== 'Succeeded') {
    throw new Error(`the account is ${account.provisioningState}; wait until it is Succeeded`);
  }
};

/**
 * The account as ARM reports it; in a dry run without access to ARM, the account as the parameter
 * file describes it, so the plan can still be printed (and says where it came from).
 */
const accountForPlan = async (ctx: Context, options: FailoverOptions): Promise<AccountState> => {
  try {
    return await getAccount(ctx.client, options.ref);
  } catch (error) {
    if (!ctx.dryRun || options.parametersFile === undefined) throw error;
    const message = ((error as Error).message ?? String(error)).split('\n')[0];
    ctx.log(`[dry-run] cannot read the account (${message}); planning from ${options.parametersFile}`);
    const file = await readParameterFile(options.parametersFile);
    const policies = policiesOf(file);
    const writeRegion = writeRegionOf(policies);
    return {
      provisioningState: 'Succeeded',
      multiWrite: (file.parameters as Record<string, { value?: unknown } | undefined>).enableMultipleWriteLocations?.value === true,
      writeRegions: writeRegion === undefined ? [] : [writeRegion],
      readRegions: policies.map((p) => p.locationName),
      policies,
      regionStates: {},
    };
  }
};

export const failover = async (ctx: Context, options: FailoverOptions): Promise<FailoverResult> => {
  const target = normalizeRegion(options.to);
  const before = await accountForPlan(ctx, options);
  checkMovable(before);
  const from = writeRegionOf(before.policies);
  let policies: FailoverPolicy[];
  try {
    policies = promote(before.policies, target);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  ctx.log(`account ${options.ref.accountName}: write region ${from ?? '?'}; ${describePolicies(before.policies)}`);

  let changed = false;
  if (from === target && before.writeRegions[0] === target) {
    ctx.log(`${target} is already the write region: nothing to move`);
    policies = before.policies;
  } else {
    ctx.log(`planned failover to ${target}: ${describePolicies(policies)}`);
    const result = await changeFailoverPriority(ctx.client, options.ref, policies);
    if (result.sent) {
      const after = await verifyWriteRegion(ctx, options.ref, target, options.verifyAttempts ?? 10);
      policies = after.policies;
      changed = true;
      ctx.log(`write region is now ${target} (verified)`);
    }
  }
  if (options.parametersFile !== undefined) await syncParameterFile(ctx, options.parametersFile, policies);
  return { from, to: target, changed, policies };
};

const USAGE = `usage: infra/scripts/failover --to <region> [options]
       infra/scripts/failover --sync [options]

Moves the write region of the events account (planned failover, no data loss), waits for
it, checks the account's writeLocations, and writes writeRegion and the priorities into
the parameter file so the next deployment keeps them.

  --to <region>            new write region, e.g. northeurope
  --sync                   move nothing: copy the live priorities into the parameter file
  --dry-run                read the account, print the calls that would change it
  --parameters <file>      parameter file to update (default infra/main.parameters.json)
  --no-parameters          leave the parameter file alone
  --subscription <id>      or AZURE_SUBSCRIPTION_ID
  -g, --resource-group <n> or AZURE_RESOURCE_GROUP
  --account <name>         events account, or COSMOS_ACCOUNT_NAME
  --outputs <file>         outputs saved by infra/scripts/deploy (default infra/.deployments/<rg>.json)

Credentials: DefaultAzureCredential (az login, managed identity, ...), or ARM_ACCESS_TOKEN.
ARM_ENDPOINT overrides https://management.azure.com.`;

export const main = async (argv: string[], deps: Deps = {}): Promise<void> => {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...accountOptions,
      to: { type: 'string' },
      sync: { type: 'boolean', default: false },
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
  if ((values.to === undefined) === !values.sync) throw new UsageError(`give either --to <region> or --sync\n${USAGE}`);
  const env = deps.env ?? process.env;
  const ref = await resolveAccount(values, env);
  const parametersFile = values['no-parameters'] ? undefined : (values.parameters ?? DEFAULT_PARAMETERS);
  if (parametersFile !== undefined && values.parameters !== undefined && !existsSync(parametersFile)) {
    throw new UsageError(`no parameter file ${parametersFile}`);
  }
  const ctx = await contextFrom({ ...deps, log }, values['dry-run']);
  const useFile = parametersFile !== undefined && existsSync(parametersFile) ? parametersFile : undefined;
  if (values.sync) {
    if (useFile === undefined) throw new UsageError('--sync needs a parameter file');
    const account = await getAccount(ctx.client, ref);
    await syncParameterFile(ctx, useFile, account.policies);
    return;
  }
  await failover(ctx, { ref, to: values.to!, parametersFile: useFile });
};

if (isEntryPoint(import.meta.url)) {
  process.exitCode = await runMain(() => main(process.argv.slice(2)));
}
