// Public entry of the package subpath `./client`: a typed client of the event log's HTTP API.
export {
  createEventLogClient,
  type AppendAnswer,
  type AppendOptions,
  type AppendResponse,
  type EventLogClient,
  type EventLogClientOptions,
  type GetViewOptions,
  type Health,
  type StreamInfo,
  type StreamPage,
  type StreamReadOptions,
  type ViewDocument,
} from './client.ts';
export type { Consumer, ConsumerBatch, ConsumerGroupStatus, ConsumerOptions, GroupSettingsInput, NextOptions, ParkedGroupEvent, RefuseOptions } from './consumer.ts';
export type { FeedMessage, FeedOptions } from './feed.ts';
export {
  EventLogClientError,
  EventLogProblemError,
  EventLogUnavailableError,
  EventLogUnexpectedResponseError,
  type ProblemBody,
} from './errors.ts';
export { DEFAULT_CLIENT_RETRY, parseRetryAfter } from './retry.ts';
export type { EventEnvelope, ExpectedVersion, FeedEvent, NewEvent, RetryPolicy, StreamRef } from '../core/index.ts';
