import { afterAll, beforeAll } from 'vitest';
import { startCosmosAccount, type CosmosAccountOptions, type CosmosTestAccount } from '../support/cosmosAccount/index.ts';

/** A test account for the file's tests: started before them, closed after them. */
export const useAccount = (options: CosmosAccountOptions = {}): { readonly account: CosmosTestAccount } => {
  const fixture = {} as { account: CosmosTestAccount };
  beforeAll(async () => {
    fixture.account = await startCosmosAccount(options);
  });
  afterAll(async () => {
    await fixture.account?.close();
  });
  return fixture;
};

let counter = 0;
/** A name no other test of the run uses. */
export const unique = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${++counter}`;

/** The rejection of a promise (undefined if it resolves): for asserting on SDK errors. */
export const rejection = (promise: Promise<unknown>): Promise<{ code?: unknown; substatus?: unknown; message?: string } | undefined> =>
  promise.then(
    () => undefined,
    (error: unknown) => error as { code?: unknown; substatus?: unknown; message?: string },
  );

/** Waits for a condition, polling; fails after `timeoutMs` (bounded, no test waits forever). */
export const until = async (condition: () => boolean, timeoutMs = 2_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

/** Runs `work` with a replication lag into the region, and sets it back to 0 afterwards. */
export const withLag = async <T>(account: CosmosTestAccount, region: string, ms: number, work: () => Promise<T>): Promise<T> => {
  account.setLag(region, ms);
  try {
    return await work();
  } finally {
    account.setLag(region, 0);
  }
};

/** The requests received from `from` on (an index into the account's log). */
export const requestsSince = <T>(log: readonly T[], from: number): T[] => log.slice(from);
