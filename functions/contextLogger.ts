import type { InvocationContext } from '@azure/functions';
import type { Logger } from '../src/core/index.ts';

/** The product's Logger over an invocation's context, so logs land in Application Insights with the invocation. */
export const contextLogger = (context: InvocationContext): Logger => ({
  info: (message, fields) => context.log(message, fields ?? {}),
  warn: (message, fields) => context.warn(message, fields ?? {}),
  error: (message, fields) => context.error(message, fields ?? {}),
});
