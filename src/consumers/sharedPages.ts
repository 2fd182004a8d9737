import type { ReplayPage, ReplaySource } from '../core/index.ts';
import { Signal } from './signal.ts';

/** How long a page that reached the head of the log may be served again before it is read afresh. */
const HEAD_PAGE_REUSE_MS = 25;
/** Full pages kept for readers behind the others: the most a reader may run ahead of an active one. */
const CACHED_PAGES = 4;
/** A reader that took no page for this long is busy elsewhere (a slow service, a halt): the others stop waiting for it. */
const ACTIVE_MS = 1_000;
/** A reader ahead of the others re-checks this often while it waits for them. */
const WAIT_SLICE_MS = 50;

interface CachedPage {
  page: ReplayPage;
  /** The generation of appends it was read in; a head page is stale once new events were appended. */
  generation: number;
  readAt: number;
  /** Readers it was served to. */
  servedTo: Set<string>;
}

/**
 * One reader of the log for all of a host's consumers: consumers at the same place ask for the same
 * page, and the log is read once for them all. A page that did not reach the head is final: it is kept
 * while an active reader is still to take it, and a reader that has run `CACHED_PAGES` ahead of another
 * waits (briefly, boundedly) before reading more, so consumers catching up together read the log once
 * and the time goes to applying it. A reader not at one of the kept pages (behind them, or at other
 * page boundaries after a halt) or one that stopped taking pages a while (halted, waiting out a
 * service) is not waited for: it reads its own pages from its checkpoint, and stalls no one. A page at
 * the head is reused only until the next append.
 */
export class SharedPages {
  private readonly source: ReplaySource;
  private readonly inFlight = new Map<string, Promise<ReplayPage>>();
  private readonly cached = new Map<string, CachedPage>();
  /** When each reader last took a page. */
  private readonly lastTook = new Map<string, number>();
  /** The page each reader asks for next (the one it asks for now, or the one after what it took). */
  private readonly next = new Map<string, string>();
  private readonly served = new Signal();
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

  /** A reader about to start: pages are kept for it from now on. */
  join(reader: string): void {
    this.lastTook.set(reader, Date.now());
  }

  /** Forgets a reader that stopped (no page waits for it). */
  leave(reader: string): void {
    this.lastTook.delete(reader);
    this.next.delete(reader);
    this.served.notify();
  }

  /** The page at `cursor` for `reader`: a shared one when another reader has read it, else read now. */
  async readFrom(reader: string, cursor: string | undefined, limit: number): Promise<ReplayPage> {
    const key = keyOf(cursor, limit);
    this.next.set(reader, key);
    for (;;) {
      const hit = this.cached.get(key);
      if (hit !== undefined && (!hit.page.caughtUp || (hit.generation === this.generation && Date.now() - hit.readAt < HEAD_PAGE_REUSE_MS)))
        return this.serve(reader, key, hit, limit);
      const reading = this.inFlight.get(key);
      if (reading !== undefined) {
        await reading;
        continue;
      }
      if (!this.aheadOfOthers(reader)) break;
      await this.served.wait(WAIT_SLICE_MS);
    }
    const generation = this.generation;
    this.reads++;
    const reading = this.source.readFrom(cursor, limit).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, reading);
    const page = await reading;
    const entry: CachedPage = { page, generation, readAt: Date.now(), servedTo: new Set() };
    this.cached.delete(key);
    this.cached.set(key, entry);
    const served = this.serve(reader, key, entry, limit);
    this.evict();
    return served;
  }

  private serve(reader: string, key: string, entry: CachedPage, limit: number): ReplayPage {
    entry.servedTo.add(reader);
    this.lastTook.set(reader, Date.now());
    this.next.set(reader, keyOf(entry.page.cursor, limit));
    if (!entry.page.caughtUp && !this.stillWanted(entry)) this.cached.delete(key);
    this.served.notify();
    return entry.page;
  }

  /** Active readers at one of the kept pages: they take kept pages next, so those are worth keeping for them. */
  private readersInWindow(except?: string): string[] {
    const since = Date.now() - ACTIVE_MS;
    return [...this.lastTook]
      .filter(([reader, at]) => reader !== except && at >= since && this.cached.get(this.next.get(reader) ?? '')?.page.caughtUp === false)
      .map(([reader]) => reader);
  }

  private stillWanted(entry: CachedPage): boolean {
    return this.readersInWindow().some((reader) => !entry.servedTo.has(reader));
  }

  /** All kept pages are taken by this reader and another active reader is still working through them: reading more would push them out. */
  private aheadOfOthers(reader: string): boolean {
    const kept = [...this.cached.values()].filter((entry) => !entry.page.caughtUp).length;
    return kept >= CACHED_PAGES && this.readersInWindow(reader).length > 0;
  }

  /** Stale head pages go; past the bound, pages no reader in the window still wants, then the oldest. */
  private evict(): void {
    for (const [key, entry] of this.cached)
      if (entry.page.caughtUp && (entry.generation !== this.generation || Date.now() - entry.readAt >= HEAD_PAGE_REUSE_MS)) this.cached.delete(key);
    const final = () => [...this.cached].filter(([, entry]) => !entry.page.caughtUp);
    for (const [key, entry] of final()) if (final().length > CACHED_PAGES && !this.stillWanted(entry)) this.cached.delete(key);
    for (const [key] of final().slice(0, Math.max(0, final().length - CACHED_PAGES))) this.cached.delete(key);
  }
}

const keyOf = (cursor: string | undefined, limit: number): string => `${limit}\u0000${cursor ?? ''}`;
