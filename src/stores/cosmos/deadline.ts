import { AsyncLocalStorage } from 'node:async_hooks';
import type { PluginConfig } from '@azure/cosmos';

// The SDK retries some failures for a long time on its own: a read that times out is sent again up to
// 120 times, so a silent endpoint would hold an HTTP request for many minutes. Every store operation
// therefore runs within a deadline: the SDK calls inside it carry an abort signal (the plugin below),
// and the caller gets its answer at the deadline even while the SDK is still unwinding.

export const DEFAULT_OPERATION_TIMEOUT_MS = 12_000;

export class DeadlineExceededError extends Error {
  readonly code = 'DeadlineExceeded';
}

const currentSignal = new AsyncLocalStorage<AbortSignal>();

/** Runs `work`, failing with DeadlineExceededError after `ms` and aborting the SDK requests it started. */
export const withinDeadline = <T>(ms: number, work: () => Promise<T>): Promise<T> => {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new DeadlineExceededError(`no answer from Cosmos DB within ${ms} ms`));
    }, ms);
  });
  return Promise.race([currentSignal.run(controller.signal, work), expired]).finally(() => clearTimeout(timer));
};

/** Gives every SDK operation started within a deadline that deadline's abort signal. */
export const abortAtDeadline: PluginConfig = {
  on: 'operation',
  plugin: async (context, _diagnostics, next) => {
    const deadline = currentSignal.getStore();
    if (deadline !== undefined) {
      const own = (context.options as { abortSignal?: AbortSignal } | undefined)?.abortSignal;
      context.options = { ...context.options, abortSignal: own === undefined ? deadline : AbortSignal.any([own, deadline]) };
    }
    return next(context);
  },
};

/** Runs work within one operation deadline. */
export type Within = <T>(work: () => Promise<T>) => Promise<T>;

export const deadlineOf = (ms: number = DEFAULT_OPERATION_TIMEOUT_MS): Within => (work) => withinDeadline(ms, work);
