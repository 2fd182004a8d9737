import { InvalidArgumentError, Option, type Command } from 'commander';
import { createEventLogClient, type EventLogClient, type RetryPolicy } from '../client/index.ts';
import { loadConfig, type Config } from '../config.ts';
import { durationOption } from './duration.ts';
import { usageError } from './errors.ts';

// Options shared by several commands, declared once so every --help says the same thing.

export interface HttpOptions {
  url: string;
  key?: string;
  /** Milliseconds. */
  requestTimeout: number;
}

export interface StoreOptions {
  store?: string;
  dataDir?: string;
}

/** The local host's address as `npm start` uses it: HOST (loopback when it listens on every address) and PORT from the same environment. */
const defaultUrl = (env: NodeJS.ProcessEnv): string => {
  const host = env.HOST?.trim() || '127.0.0.1';
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${env.PORT?.trim() || '7071'}`;
};

export const positiveInt = (name: string) => (value: string): number => {
  if (!/^[0-9]{1,15}$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`${name} must be a whole number >= 1`);
  return Number(value);
};

/** `--url`, `--key` and a per-request timeout, for commands that talk to a running API. */
export const withHttpOptions = (command: Command, env: NodeJS.ProcessEnv = process.env): Command =>
  command
    .addOption(new Option('--url <url>', 'base URL of the API (local host or Function App)').env('EVENTLOG_URL').default(defaultUrl(env)))
    .addOption(new Option('--key <key>', 'key sent as x-functions-key (the admin key for projection control)').env('EVENTLOG_KEY'))
    .addOption(durationOption('--request-timeout <duration>', 'time limit of one HTTP request', 'ms', 30_000));

/** The command's stop signal: Ctrl-C, or `--timeout` (in milliseconds) when given. */
export const stopSignalOf = (interrupt: AbortSignal, timeoutMs: number | undefined): AbortSignal =>
  timeoutMs === undefined ? interrupt : AbortSignal.any([interrupt, AbortSignal.timeout(timeoutMs)]);

export const clientFrom = (options: HttpOptions, retry?: Partial<RetryPolicy>): EventLogClient => {
  try {
    return createEventLogClient({ url: options.url, apiKey: options.key, timeoutMs: options.requestTimeout, ...(retry === undefined ? {} : { retry }) });
  } catch (error) {
    throw usageError(`--url: ${(error as Error).message}`);
  }
};

/** `--store` and `--data-dir`, for commands that open a store directly with the server's configuration. */
export const withStoreOptions = (command: Command): Command =>
  command
    .addOption(new Option('--store <kind>', 'store to open; overrides EVENT_STORE').choices(['sqlite', 'memory', 'cosmos']))
    .addOption(new Option('--data-dir <dir>', 'SQLite directory; overrides DATA_DIR'))
    .addHelpText(
      'after',
      '\nThe store is the one the server would open: EVENT_STORE, DATA_DIR, COSMOS_* and REGION from the environment (see README).',
    );

/** The server's configuration from the environment, with the command's overrides. */
export const storeConfigFrom = (options: StoreOptions, env: NodeJS.ProcessEnv = process.env): Config =>
  loadConfig({
    ...env,
    ...(options.store === undefined ? {} : { EVENT_STORE: options.store }),
    ...(options.dataDir === undefined ? {} : { DATA_DIR: options.dataDir }),
  });
