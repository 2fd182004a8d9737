import { setTimeout as delay } from 'node:timers/promises';
import { appendEvents, feedSourceOf, type EventStore, type FeedStart } from '../core/index.ts';
import { PAGE_SIZE, type LogBackend } from './backend.ts';

/** How often the feed looks for new events once caught up. */
const FEED_POLL_MS = 100;

/** The log in this process, over any adapter of the EventStore port; appends take the same path as the HTTP handler. */
export const inProcessBackend = (store: EventStore, region: string): LogBackend => ({
  async append(stream, events, expectedVersion) {
    const outcome = await appendEvents(store, { stream, expectedVersion, events, region });
    return { firstSequence: outcome.firstSequence, version: outcome.version, consistencyToken: outcome.consistencyToken };
  },

  async *read(stream, range) {
    let fromVersion = range.fromVersion;
    for (;;) {
      const slice = await store.readStream(stream, { fromVersion, toVersion: range.toVersion, limit: PAGE_SIZE });
      if (slice === undefined) return;
      yield { version: slice.version, events: slice.events };
      const last = slice.events[slice.events.length - 1];
      if (last === undefined || slice.events.length < PAGE_SIZE || last.sequence >= Math.min(range.toVersion ?? Infinity, slice.version)) return;
      fromVersion = last.sequence + 1;
    }
  },

  async version(stream) {
    return (await store.getStreamInfo(stream))?.version ?? 0;
  },

  async *feed(filter, after, signal) {
    const source = feedSourceOf(store);
    let start: FeedStart = after === undefined ? { from: 'beginning' } : after === 'now' ? { from: 'now' } : { from: 'cursor', cursor: after };
    while (!signal?.aborted) {
      const page = await source.readFeed(filter, start, PAGE_SIZE);
      start = { from: 'cursor', cursor: page.cursor };
      yield* page.entries;
      // Caught up: look again shortly (appends of this process and of others alike).
      if (page.caughtUp) await delay(FEED_POLL_MS, undefined, { signal }).catch(() => undefined);
    }
  },
});
