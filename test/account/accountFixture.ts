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
