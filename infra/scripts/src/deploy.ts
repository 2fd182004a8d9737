// deploy: `az deployment group create` for infra/main.bicep, after checking the parameter
// file and that its write region is the live one (a deployment must not fight a failover).
// Saves the deployment's outputs to infra/.deployments/<resource group>.json for the
// other scripts.
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readParameterFile, parameterProblems } from './params.ts';
import { getAccount } from './cosmos.ts';
import { ArmError } from './arm.ts';
import { type Deps, DEFAULT_PARAMETERS, INFRA_DIR, UsageError, contextFrom, isEntryPoint, outputsFileFor, runMain } from './cli.ts';

export interface DeployPlan {
  resourceGroup: string;
  location?: string | undefined;
  subscription?: string | undefined;
  deploymentName: string;
  templateFile: string;
  parametersFile: string;
  whatIf: boolean;
}

/** The az invocations, in order: pure, so tests can read them. */
export const azCommands = (plan: DeployPlan): string[][] => {
  const subscription = plan.subscription ? ['--subscription', plan.subscription] : [];
  const commands: string[][] = [];
  if (plan.location) commands.push(['group', 'create', '--name', plan.resourceGroup, '--location', plan.location, ...subscription, '--output', 'none']);
  commands.push([
    'deployment',
    'group',
    plan.whatIf ? 'what-if' : 'create',
    '--resource-group',
    plan.resourceGroup,
    '--name',
    plan.deploymentName,
    '--template-file',
    plan.templateFile,
    '--parameters',
    `@${plan.parametersFile}`,
    ...subscription,
    ...(plan.whatIf ? [] : ['--query', 'properties.outputs', '--output', 'json']),
  ]);
  return commands;
};

/** ARM outputs {name: {type, value}} -> {name: value}. */
export const flattenOutputs = (outputs: unknown): Record<string, unknown> => {
  const flat: Record<string, unknown> = {};
  if (typeof outputs !== 'object' || outputs === null) return flat;
  for (const [key, entry] of Object.entries(outputs as Record<string, unknown>)) {
    flat[key] = typeof entry === 'object' && entry !== null && 'value' in entry ? (entry as { value: unknown }).value : entry;
  }
  return flat;
};

const run = (command: string, args: string[], capture: boolean): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'] });
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', (error) => reject(new Error(`cannot run ${command}: ${error.message}`)));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.slice(0, 3).join(' ')} exited with ${code}`))));
  });

const quote = (arg: string): string => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

/** Refuses when the live account writes elsewhere than the parameter file says. */
const checkWriteRegion = async (deps: Deps, plan: DeployPlan, writeRegion: string, log: (l: string) => void): Promise<void> => {
  const outputsFile = outputsFileFor(plan.resourceGroup, deps.env ?? process.env);
  if (!existsSync(outputsFile)) {
    log(`no ${outputsFile}: first deployment of this resource group, no live write region to compare`);
    return;
  }
  const outputs = JSON.parse(await readFile(outputsFile, 'utf8')) as Record<string, unknown>;
  const accountName = outputs.eventsAccountName;
  const subscriptionId = plan.subscription ?? outputs.subscriptionId;
  if (typeof accountName !== 'string' || typeof subscriptionId !== 'string') return;
  const ctx = await contextFrom({ ...deps, log }, false);
  try {
    const account = await getAccount(ctx.client, { subscriptionId, resourceGroup: plan.resourceGroup, accountName });
    const live = account.writeRegions[0];
    if (!account.multiWrite && live !== undefined && live !== writeRegion) {
      throw new UsageError(
        `the account writes in ${live} but the parameter file says ${writeRegion}. ` +
          `Run infra/scripts/failover --sync -g ${plan.resourceGroup} to adopt ${live}, ` +
          `or infra/scripts/failover --to ${writeRegion} first; or pass --skip-write-region-check`,
      );
    }
    log(`live write region ${live ?? '?'} matches the parameter file`);
  } catch (error) {
    if (error instanceof ArmError && error.status === 404) {
      log(`account ${accountName} not found: nothing to compare`);
      return;
    }
    throw error;
  }
};

const USAGE = `usage: infra/scripts/deploy -g <resource group> [options]

  -g, --resource-group <n> target resource group (or AZURE_RESOURCE_GROUP)
  -l, --location <loc>     create the resource group there first
  --subscription <id>      passed to az
  --parameters <file>      default infra/main.parameters.json
  --name <deployment>      deployment name (default eventlog)
  --what-if                preview the changes (az deployment group what-if)
  --skip-write-region-check  deploy even if the live write region differs from the file
  --dry-run                print the az commands without running them

AZ_CLI overrides the az executable.`;

export const main = async (argv: string[], deps: Deps = {}): Promise<void> => {
  const { values } = parseArgs({
    args: argv,
    options: {
      'resource-group': { type: 'string', short: 'g' },
      location: { type: 'string', short: 'l' },
      subscription: { type: 'string' },
      parameters: { type: 'string' },
      name: { type: 'string', default: 'eventlog' },
      'what-if': { type: 'boolean', default: false },
      'skip-write-region-check': { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const log = deps.log ?? ((line: string) => console.log(line));
  const env = deps.env ?? process.env;
  if (values.help) {
    log(USAGE);
    return;
  }
  const resourceGroup = values['resource-group'] || env.AZURE_RESOURCE_GROUP;
  if (!resourceGroup) throw new UsageError(`--resource-group is required\n${USAGE}`);
  const parametersFile = values.parameters ?? DEFAULT_PARAMETERS;
  if (!existsSync(parametersFile)) throw new UsageError(`no parameter file ${parametersFile}`);
  let parameters;
  try {
    parameters = await readParameterFile(parametersFile);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const problems = parameterProblems(parameters);
  if (problems.length > 0) throw new UsageError(`${parametersFile}: ${problems.join('; ')}`);

  const plan: DeployPlan = {
    resourceGroup,
    location: values.location,
    subscription: values.subscription || env.AZURE_SUBSCRIPTION_ID || undefined,
    deploymentName: values.name,
    templateFile: join(INFRA_DIR, 'main.bicep'),
    parametersFile,
    whatIf: values['what-if'],
  };
  const az = env.AZ_CLI || 'az';
  const commands = azCommands(plan);
  if (values['dry-run']) {
    for (const args of commands) log(`[dry-run] ${[az, ...args].map(quote).join(' ')}`);
    return;
  }
  if (!values['skip-write-region-check']) await checkWriteRegion(deps, plan, parameters.parameters.writeRegion.value, log);

  let output = '';
  for (const args of commands) {
    log(`$ ${[az, ...args].map(quote).join(' ')}`);
    output = await run(az, args, args[0] === 'deployment' && !plan.whatIf);
  }
  if (plan.whatIf) return;
  const outputs = flattenOutputs(JSON.parse(output || '{}'));
  const outputsFile = outputsFileFor(resourceGroup, env);
  await mkdir(dirname(outputsFile), { recursive: true });
  await writeFile(outputsFile, JSON.stringify(outputs, null, 2) + '\n', 'utf8');
  log(`outputs saved to ${outputsFile}`);
  const regions = Array.isArray(outputs.regions) ? (outputs.regions as Array<Record<string, unknown>>) : [];
  for (const r of regions) log(`  ${String(r.region)}: function app ${String(r.functionAppName)} (https://${String(r.functionAppHostName)})`);
};

if (isEntryPoint(import.meta.url)) {
  process.exitCode = await runMain(() => main(process.argv.slice(2)));
}
