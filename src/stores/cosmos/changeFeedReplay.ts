import { ChangeFeedStartFrom, StatusCodes, type ChangeFeedPullModelIterator, type Container } from '@azure/cosmos';
import { eventsFromDocuments, type ReplayPage } from '../../core/index.ts';

/** Iterators kept between reads: one per consumer following the feed, and a few for rebuilds. */
const KEPT_ITERATORS = 32;

type Iterator = ChangeFeedPullModelIterator<Record<string, unknown>>;

/**
 * Pages of the `events` container's change feed (latest-version mode), from the beginning or from a
 * cursor: what the local follower reads and the replay source of projection rebuilds. Order holds per
 * stream (per partition), which is all consumers rely on. Documents that are not events are left out
 * by the one rule of every host (src/core/feedDocuments.ts) and counted. The cursor is the SDK's
 * continuation token; `caughtUp` is the service's "not modified" after every feed range was asked.
 *
 * A new iterator first reads the container (its resource id, to check a continuation against it): a
 * metadata request per page. So the iterator that served a page is kept under the continuation it
 * returned, and whoever asks for that continuation next reads on from it with no such request. The SDK's
 * iterator carries its feed ranges and their continuations itself, splits included
 * (https://learn.microsoft.com/azure/cosmos-db/nosql/change-feed-pull-model).
 */
export class ChangeFeedReader {
  private readonly container: Container;
  /** Idle iterators by the page they read next; a Map iterates oldest first, so eviction drops the least recently used. */
  private readonly idle = new Map<string, Iterator>();

  constructor(container: Container) {
    this.container = container;
  }

  async read(cursor: string | undefined, limit: number): Promise<ReplayPage> {
    const key = keyOf(cursor, limit);
    // Taken out while it reads: a second reader at the same place gets an iterator of its own.
    const iterator = this.idle.get(key) ?? this.open(cursor, limit);
    this.idle.delete(key);
    const response = await iterator.readNext();
    const next = response.continuationToken ?? cursor ?? '';
    this.keep(keyOf(next, limit), iterator);
    const { events, ignored } = eventsFromDocuments(response.result ?? []);
    return { events, ignored, cursor: next, caughtUp: response.statusCode === StatusCodes.NotModified };
  }

  private open(cursor: string | undefined, limit: number): Iterator {
    return this.container.items.getChangeFeedIterator<Record<string, unknown>>({
      changeFeedStartFrom: cursor === undefined ? ChangeFeedStartFrom.Beginning() : ChangeFeedStartFrom.Continuation(cursor),
      maxItemCount: limit,
    });
  }

  private keep(key: string, iterator: Iterator): void {
    this.idle.delete(key);
    this.idle.set(key, iterator);
    for (const oldest of this.idle.keys()) {
      if (this.idle.size <= KEPT_ITERATORS) break;
      this.idle.delete(oldest);
    }
  }
}

const keyOf = (cursor: string | undefined, limit: number): string => `${limit}\u0000${cursor ?? ''}`;
