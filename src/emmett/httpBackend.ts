import { EventLogProblemError, type EventLogClient } from '../client/index.ts';
import { ConcurrencyError, streamIdOf, ValidationError } from '../core/index.ts';
import { PAGE_SIZE, type LogBackend } from './backend.ts';

/** The two problems an append can answer that the adapter turns into Emmett's errors; others stay client errors. */
const kernelErrorOf = (error: unknown, streamId: string): unknown => {
  if (!(error instanceof EventLogProblemError)) return error;
  if (error.type === 'concurrency-conflict' && error.currentVersion !== undefined)
    return new ConcurrencyError(streamId, error.expectedVersion ?? 'any', error.currentVersion);
  if (error.type === 'validation-error') return new ValidationError(error.errors.length > 0 ? error.errors : [{ path: '', message: error.detail }]);
  return error;
};

/** The log behind its HTTP API, through the typed client (API key, Idempotency-Keys, retries on 503). */
export const httpBackend = (client: EventLogClient): LogBackend => ({
  async append(stream, events, expectedVersion) {
    try {
      const appended = await client.append(stream, events, { expectedVersion });
      return { firstSequence: appended.firstSequence, version: appended.version, consistencyToken: appended.consistencyToken };
    } catch (error) {
      throw kernelErrorOf(error, streamIdOf(stream));
    }
  },

  async *read(stream, range) {
    for await (const page of client.readStream(stream, { ...range, limit: PAGE_SIZE })) yield { version: page.version, events: page.events };
  },

  async version(stream) {
    return (await client.getStream(stream))?.version ?? 0;
  },

  feed: (filter, after, signal) => client.feed({ ...filter, after, signal }),
});
