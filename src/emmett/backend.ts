import type { EventEnvelope, ExpectedVersion, FeedEvent, FeedFilter, NewEvent, StreamRef } from '../core/index.ts';

export interface BackendAppendResult {
  firstSequence: number;
  version: number;
  consistencyToken: string;
}

export interface BackendPage {
  /** The stream's version when the page was read. */
  version: number;
  events: EventEnvelope[];
}

/**
 * The few operations the Emmett adapter needs from the log, so one adapter serves both the in-process
 * store and the HTTP API. Failures use the kernel's errors: ConcurrencyError for a version that does
 * not hold, ValidationError for input the log refuses.
 */
export interface LogBackend {
  append(stream: StreamRef, events: NewEvent[], expectedVersion: ExpectedVersion): Promise<BackendAppendResult>;
  /** Pages in sequence order from `fromVersion` up to `toVersion` (inclusive); none when the stream has no events. */
  read(stream: StreamRef, range: { fromVersion: number; toVersion?: number }): AsyncIterable<BackendPage>;
  /** 0 when the stream has no events. */
  version(stream: StreamRef): Promise<number>;
  /** The feed, endless: events with the cursor after each (`after`: a cursor it gave, or `now`; absent: the beginning). */
  feed(filter: FeedFilter, after: string | undefined, signal: AbortSignal | undefined): AsyncIterable<{ event: FeedEvent; cursor: string }>;
}

/** Largest page both backends serve (the HTTP API's `limit` maximum). */
export const PAGE_SIZE = 1000;
