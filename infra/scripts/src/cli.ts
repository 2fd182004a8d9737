// What every script shares: where infra/ is, which account to act on, which credential
// to use, and how a run ends (exit codes 0 ok, 1 failed, 2 bad usage).
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { ArmClient, DEFAULT_ARM_ENDPOINT, DEFAULT_ARM_SCOPE, type TokenSource, staticToken } from './arm.ts';
import type { AccountRef } from './cosmos.ts';

export const INFRA_DIR = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULT_PARAMETERS = join(INFRA_DIR, 'main.parameters.json');
export const DEFAULT_SCHEDULE = join(INFRA_DIR, 'follow-the-sun.json');
export const DEPLOYMENTS_DIR = join(INFRA_DIR, '.deployments');

/** Where deploy saves a resource group's outputs; INFRA_DEPLOYMENTS_DIR moves the folder. */
export const outputsFileFor = (resourceGroup: string, env: Record<string, string | undefined> = process.env): string =>
  join(env.INFRA_DEPLOYMENTS_DIR || DEPLOYMENTS_DIR, `${resourceGroup}.json`);

/** A mistake of the caller: printed without a stack, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** What a script needs from the outside world; tests replace any of it. */
export interface Deps {
  env?: Record<string, string | undefined>;
  credential?: TokenSource;
  log?: (line: string) => void;
  error?: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
  /** Client tuning for tests (poll interval, retry bounds). */
  pollIntervalMs?: number;
}

export interface Context {
  client: ArmClient;
  log: (line: string) => void;
  sleep: (ms: number) => Promise<void>;
  dryRun: boolean;
  pollIntervalMs: number;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const credentialFrom = async (deps: Deps): Promise<TokenSource> => {
  if (deps.credential !== undefined) return deps.credential;
  const env = deps.env ?? process.env;
  const token = env.ARM_ACCESS_TOKEN;
  if (token !== undefined && token !== '') return staticToken(token);
  // Loaded only when needed: az login, managed identity, workload identity, env vars...
  const { DefaultAzureCredential } = await import('@azure/identity');
  return new DefaultAzureCredential();
};

export const contextFrom = async (deps: Deps, dryRun: boolean): Promise<Context> => {
  const env = deps.env ?? process.env;
  const log = deps.log ?? ((line: string) => console.log(line));
  const sleep = deps.sleep ?? realSleep;
  const pollIntervalMs = deps.pollIntervalMs ?? Number(env.ARM_POLL_INTERVAL_MS ?? 10_000);
  const client = new ArmClient({
    credential: await credentialFrom(deps),
    endpoint: env.ARM_ENDPOINT || DEFAULT_ARM_ENDPOINT,
    scope: env.ARM_SCOPE || DEFAULT_ARM_SCOPE,
    dryRun,
    log,
    sleep,
    pollIntervalMs,
  });
  return { client, log, sleep, dryRun, pollIntervalMs };
};

const readOutputs = async (path: string): Promise<Record<string, unknown>> => {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`cannot read deployment outputs ${path}: ${(error as Error).message}`);
  }
};

/**
 * The events account to act on: flags first, then environment (AZURE_SUBSCRIPTION_ID,
 * AZURE_RESOURCE_GROUP, COSMOS_ACCOUNT_NAME), then the outputs the deploy script saved.
 */
export const resolveAccount = async (
  flags: { subscription?: string | undefined; 'resource-group'?: string | undefined; account?: string | undefined; outputs?: string | undefined },
  env: Record<string, string | undefined>,
): Promise<AccountRef> => {
  let subscriptionId = flags.subscription || env.AZURE_SUBSCRIPTION_ID || '';
  let resourceGroup = flags['resource-group'] || env.AZURE_RESOURCE_GROUP || '';
  let accountName = flags.account || env.COSMOS_ACCOUNT_NAME || '';
  const outputsPath = flags.outputs || (resourceGroup !== '' ? outputsFileFor(resourceGroup, env) : '');
  if ((subscriptionId === '' || accountName === '' || resourceGroup === '') && outputsPath !== '' && (flags.outputs || existsSync(outputsPath))) {
    const outputs = await readOutputs(outputsPath);
    const text = (key: string): string => (typeof outputs[key] === 'string' ? (outputs[key] as string) : '');
    subscriptionId ||= text('subscriptionId');
    resourceGroup ||= text('resourceGroupName');
    accountName ||= text('eventsAccountName');
  }
  const missing = [
    subscriptionId === '' ? '--subscription (or AZURE_SUBSCRIPTION_ID)' : '',
    resourceGroup === '' ? '--resource-group (or AZURE_RESOURCE_GROUP)' : '',
    accountName === '' ? '--account (or COSMOS_ACCOUNT_NAME)' : '',
  ].filter((m) => m !== '');
  if (missing.length > 0) {
    throw new UsageError(`missing ${missing.join(', ')}; or pass --outputs with the file the deploy script wrote`);
  }
  return { subscriptionId, resourceGroup, accountName };
};

export const accountOptions = {
  subscription: { type: 'string' },
  'resource-group': { type: 'string', short: 'g' },
  account: { type: 'string' },
  outputs: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Runs a script's main and turns its outcome into an exit code. */
export const runMain = async (main: () => Promise<void>, deps: Deps = {}): Promise<number> => {
  const error = deps.error ?? ((line: string) => console.error(line));
  try {
    await main();
    return 0;
  } catch (e) {
    if (e instanceof UsageError || String((e as { code?: unknown }).code ?? '').startsWith('ERR_PARSE_ARGS')) {
      error(`error: ${(e as Error).message}`);
      return 2;
    }
    error(`failed: ${(e as Error).message}`);
    return 1;
  }
};

/** True when this module is the program node was started with (not imported by a test). */
export const isEntryPoint = (moduleUrl: string): boolean =>
  process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === moduleUrl;
