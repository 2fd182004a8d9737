import type { ReplayPage, ReplaySource } from '../core/index.ts';

/** How long a page that reached the head of the log may be served again before it is read afresh. */
const HEAD_PAGE_REUSE_MS = 25;
/** Full pages kept for consumers a little behind the others (each at most one batch of events). */
const CACHED_PAGES = 16;

interface CachedPage {
  page: ReplayPage;
  /** The generation of appends it was read in; a head page is stale once new events were appended. */
  generation: number;
  readAt: number;
}

/**
 * One reader of the log for all of a host's consumers: consumers at the same place ask for the same
 * page, and the log is read once for them all. A consumer behind the others reads its own pages (and
 * shares those with any consumer just as far behind), so none waits for another. A page that did not
 * reach the head is final and kept a while; a page at the head is reused only until the next append.
 */
export class SharedPages implements ReplaySource {
  private readonly source: ReplaySource;
  private readonly inFlight = new Map<string, Promise<ReplayPage>>();
  private readonly cached = new Map<string, CachedPage>();
  private generation = 0;
  private reads = 0;

  constructor(source: ReplaySource) {
    this.source = source;
  }

  /** Pages actually read from the log (the rest were shared). */
  get pagesRead(): number {
    return this.reads;
  }

  /** Events were appended: pages that ended at the head no longer do. */
  invalidate(): void {
    this.generation++;
  }

  readFrom(cursor: string | undefined, limit: number): Promise<ReplayPage> {
    const key = `${limit}\u0000${cursor ?? ''}`;
    const hit = this.cached.get(key);
    if (hit !== undefined && (!hit.page.caughtUp || (hit.generation === this.generation && Date.now() - hit.readAt < HEAD_PAGE_REUSE_MS)))
      return Promise.resolve(hit.page);
    let reading = this.inFlight.get(key);
    if (reading === undefined) {
      const generation = this.generation;
      this.reads++;
      reading = this.source
        .readFrom(cursor, limit)
        .then((page) => {
          this.remember(key, { page, generation, readAt: Date.now() });
          return page;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, reading);
    }
    return reading;
  }

  private remember(key: string, entry: CachedPage): void {
    this.cached.delete(key);
    this.cached.set(key, entry);
    if (this.cached.size > CACHED_PAGES) this.cached.delete(this.cached.keys().next().value!);
  }
}
