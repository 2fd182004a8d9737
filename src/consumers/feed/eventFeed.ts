import {
  decodeFeedCursor,
  encodeFeedCursor,
  FEED_AFTER_NOW,
  type FeedAnswer,
  type FeedFilter,
  type FeedFollowRequest,
  type FeedMessage,
  type FeedReadRequest,
  type FeedService,
  type FeedSource,
  type FeedStart,
} from '../../core/index.ts';
import { Signal } from '../signal.ts';

export interface EventFeedOptions {
  source: FeedSource;
  region: string;
  /** Notified after each append in this process: waiting readers look at once. */
  appended: Signal;
  /** How often a waiting reader looks anyway (appends of other processes or instances). */
  pollMs: number;
  /** A comment line on an idle SSE stream this often, so proxies and clients see it alive. */
  heartbeatMs?: number;
  /**
   * An SSE stream ends after this long and the client reconnects with Last-Event-ID. Azure's front end
   * drops an HTTP response after 230 s, so streams end before that everywhere.
   */
  streamMs?: number;
  /** Events per read while following. */
  followBatch?: number;
}

export const DEFAULT_HEARTBEAT_MS = 15_000;
export const DEFAULT_STREAM_MS = 200_000;

/** Resolves after `ms`, when `signal` fires, or when aborted; never rejects. */
const waitFor = (signal: Signal, ms: number, abort?: AbortSignal): Promise<void> => {
  if (abort?.aborted) return Promise.resolve();
  if (abort === undefined) return signal.wait(ms);
  return new Promise((resolve) => {
    const done = (): void => {
      abort.removeEventListener('abort', done);
      resolve();
    };
    abort.addEventListener('abort', done, { once: true });
    void signal.wait(ms).then(done);
  });
};

/**
 * The feed of this region over the store's FeedSource: pages with a client cursor, long polls woken by
 * appends in this process (and by a poll for the others), and the endless form that SSE streams.
 */
export class EventFeed implements FeedService {
  readonly region: string;
  private readonly options: EventFeedOptions;

  constructor(options: EventFeedOptions) {
    this.options = options;
    this.region = options.region;
  }

  startOf(filter: FeedFilter, after: string | undefined, path: string): FeedStart {
    if (after === undefined) return { from: 'beginning' };
    if (after === FEED_AFTER_NOW) return { from: 'now' };
    return { from: 'cursor', cursor: decodeFeedCursor(after, { region: this.region, scope: this.options.source.scopeOf(filter) }, path) };
  }

  async settle(filter: FeedFilter, start: FeedStart): Promise<FeedStart> {
    return start.from === 'now' ? { from: 'cursor', cursor: await this.options.source.placeOfNow(filter) } : start;
  }

  private clientCursor(filter: FeedFilter, cursor: string): string {
    return encodeFeedCursor({ region: this.region, scope: this.options.source.scopeOf(filter), cursor });
  }

  async read(request: FeedReadRequest): Promise<FeedAnswer> {
    const deadline = Date.now() + request.waitMs;
    let start = request.start;
    for (;;) {
      const page = await this.options.source.readFeed(request.filter, start, request.limit);
      start = { from: 'cursor', cursor: page.cursor };
      const remaining = deadline - Date.now();
      if (page.entries.length > 0 || !page.caughtUp || remaining <= 0 || request.signal?.aborted)
        return {
          region: this.region,
          events: page.entries.map((entry) => entry.event),
          cursor: this.clientCursor(request.filter, page.cursor),
          caughtUp: page.caughtUp && page.entries.length === 0,
        };
      await waitFor(this.options.appended, Math.min(remaining, this.options.pollMs), request.signal);
    }
  }

  async *follow(request: FeedFollowRequest): AsyncIterable<FeedMessage> {
    const heartbeatMs = this.options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    const endAt = Date.now() + (this.options.streamMs ?? DEFAULT_STREAM_MS);
    let start = request.start;
    let lastSent = Date.now();
    while (!request.signal.aborted && Date.now() < endAt) {
      const page = await this.options.source.readFeed(request.filter, start, this.options.followBatch ?? 500);
      start = { from: 'cursor', cursor: page.cursor };
      for (const entry of page.entries) yield { kind: 'event', event: entry.event, id: this.clientCursor(request.filter, entry.cursor) };
      if (page.entries.length > 0) lastSent = Date.now();
      if (!page.caughtUp) continue;
      if (Date.now() - lastSent >= heartbeatMs) {
        yield { kind: 'heartbeat' };
        lastSent = Date.now();
      }
      const untilHeartbeat = heartbeatMs - (Date.now() - lastSent);
      await waitFor(this.options.appended, Math.max(1, Math.min(this.options.pollMs, untilHeartbeat, endAt - Date.now())), request.signal);
    }
  }
}
