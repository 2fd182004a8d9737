import { decodeSegment, digestOf, StoreUnavailableError, type ArchiveRecord, type ArchiveSegment, type ColdStorage, type EventEnvelope } from '../core/index.ts';

/** Segments kept parsed in memory: a segment never changes once verified, so a cached copy never goes stale. */
const CACHED_SEGMENTS = 256;

/**
 * Reads a stream's archived events from cold storage, checking each blob against the digest its record
 * holds, so a blob changed or lost in storage is a clear error, never a silently different history.
 */
export class ColdReads {
  private readonly cold: ColdStorage;
  private readonly cache = new Map<string, readonly EventEnvelope[]>();

  constructor(cold: ColdStorage) {
    this.cold = cold;
  }

  /** The archived events of `record` with `fromVersion <= sequence <= toVersion`, in sequence order. */
  async events(record: ArchiveRecord, fromVersion: number, toVersion: number): Promise<EventEnvelope[]> {
    const wanted = record.segments.filter((s) => s.toVersion >= fromVersion && s.fromVersion <= toVersion);
    const segments = await Promise.all(wanted.map((segment) => this.segment(segment)));
    return segments.flat().filter((e) => e.sequence >= fromVersion && e.sequence <= toVersion).map((e) => structuredClone(e));
  }

  async segment(segment: ArchiveSegment): Promise<readonly EventEnvelope[]> {
    const key = `${segment.name}#${segment.digest}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      // Most recently used last: Map keeps insertion order, so the first key is the one to evict.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const content = await this.cold.get(segment.name);
    if (content === undefined)
      throw new StoreUnavailableError(`archived segment ${segment.location} is missing from ${this.cold.kind} cold storage`, 30);
    if (digestOf(content) !== segment.digest)
      throw new StoreUnavailableError(`archived segment ${segment.location} does not match its digest ${segment.digest}`, 30);
    const events = Object.freeze(decodeSegment(content));
    this.cache.set(key, events);
    if (this.cache.size > CACHED_SEGMENTS) this.cache.delete(this.cache.keys().next().value!);
    return events;
  }
}
