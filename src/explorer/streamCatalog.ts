import type { EventStore, GlobalLog } from '../core/index.ts';

export interface StreamSummary {
  streamId: string;
  aggregateType: string;
  aggregateId: string;
  version: number;
  lastEventType: string;
  createdAt: string;
  updatedAt: string;
}

export interface StreamListPage {
  streams: StreamSummary[];
  /** The last streamId of this page, when more follow: pass it as `after`. */
  next?: string;
}

const PAGE = 1000;

/**
 * The streams of an embedded log, for the explorer's list. Kept in memory and brought up to date from
 * the global log on each request, so a request reads only the events appended since the previous one.
 * The log has no stream table (docs/decisions.md, Foundation), and the port no listing; the memory
 * this takes grows with the number of streams, which suits the local host it serves.
 */
export class StreamCatalog {
  private readonly streams = new Map<string, StreamSummary>();
  private position = 0;
  private catchingUp: Promise<void> | undefined;
  private readonly log: GlobalLog;

  constructor(log: GlobalLog) {
    this.log = log;
  }

  async list(options: { prefix?: string; after?: string; limit: number }): Promise<StreamListPage> {
    await this.catchUp();
    const matching = [...this.streams.values()]
      .filter((s) => (options.prefix === undefined || s.streamId.startsWith(options.prefix)) && (options.after === undefined || s.streamId > options.after))
      .sort((a, b) => (a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : 0));
    const streams = matching.slice(0, options.limit);
    return matching.length > options.limit ? { streams, next: streams[streams.length - 1]!.streamId } : { streams };
  }

  /** One catch-up at a time; concurrent requests wait for the same one. */
  private catchUp(): Promise<void> {
    this.catchingUp ??= this.readNewEvents().finally(() => (this.catchingUp = undefined));
    return this.catchingUp;
  }

  private async readNewEvents(): Promise<void> {
    const head = await this.log.headPosition();
    while (this.position < head) {
      const page = await this.log.readAll(this.position, PAGE);
      if (page.length === 0) return;
      for (const event of page) {
        const known = this.streams.get(event.streamId);
        this.streams.set(event.streamId, {
          streamId: event.streamId,
          aggregateType: event.aggregateType,
          aggregateId: event.aggregateId,
          version: Math.max(known?.version ?? 0, event.sequence),
          lastEventType: event.type,
          createdAt: known?.createdAt ?? event.recordedAt,
          updatedAt: event.recordedAt,
        });
      }
      this.position = page[page.length - 1]!.position;
    }
  }
}

const catalogs = new WeakMap<EventStore, StreamCatalog>();

/** The catalog of a store, created on first use and kept as long as the store. */
export const catalogOf = (store: EventStore & GlobalLog): StreamCatalog => {
  let catalog = catalogs.get(store);
  if (catalog === undefined) {
    catalog = new StreamCatalog(store);
    catalogs.set(store, catalog);
  }
  return catalog;
};
