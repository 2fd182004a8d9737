import { describe, expect, it } from 'vitest';
import {
  ArchiveRecord,
  ConcurrencyError,
  LifecycleConflictError,
  newEventId,
  NotFoundError,
  readStreamEvents,
  STREAM_CLOSED,
  STREAM_DELETED,
  StreamClosedError,
  StreamDeletedError,
  streamIdOf,
  type ArchivableEventStore,
  type ColdStorage,
  type EventEnvelope,
  type EventStore,
  type PreparedEvent,
  type ReplaySource,
  silentLogger,
  type StreamRef,
} from '../../src/core/index.ts';
import { withArchiveReplay } from '../../src/lifecycle/archiveReplay.ts';
import { withArchivedReads } from '../../src/lifecycle/archivedStore.ts';
import { runArchivePolicy } from '../../src/lifecycle/archivePolicy.ts';
import { ARCHIVE_STEPS, archiveStream, type ArchiveStep } from '../../src/lifecycle/archiveStream.ts';
import { closeStream, destroyStream, type PurgeStep } from '../../src/lifecycle/streamEnd.ts';

export interface LifecycleFixture {
  /** The hot store as the adapter is: archive records, removal, appends that refuse a closed stream. */
  store: ArchivableEventStore;
  cold: ColdStorage;
  /** The log as rebuilds replay it without the archive (the global log, or the change feed). */
  logReplay: ReplaySource;
  /** Names of the blobs or files cold storage holds now. */
  coldNames(): Promise<string[]>;
}

let counter = 0;
const fresh = (prefix = 's'): StreamRef => ({ aggregateType: 'Ledger', aggregateId: `${prefix}${process.pid}-${Date.now()}-${++counter}` });

const event = (n: number, type = 'Posted'): PreparedEvent => ({ id: newEventId(), type, schemaVersion: 1, data: { n }, metadata: { correlationId: `c-${n}` } });

const append = (store: EventStore, stream: StreamRef, count: number, expectedVersion: number | 'any' = 'any') =>
  store.append({ stream, expectedVersion, events: Array.from({ length: count }, (_, i) => event(i + 1)), region: 'test' });

const readAll = async (store: EventStore, stream: StreamRef, pageSize = 1000): Promise<EventEnvelope[]> => {
  const events: EventEnvelope[] = [];
  for await (const e of readStreamEvents(store, stream, 1, pageSize)) events.push(e);
  return events;
};

/** Every sequence 1..n exactly once, in order: nothing lost, nothing twice. */
const expectContiguous = (events: readonly EventEnvelope[], version: number): void => {
  expect(events.map((e) => e.sequence)).toEqual(Array.from({ length: version }, (_, i) => i + 1));
  expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
};

/** Runs `work` over `items`, `limit` at a time. */
const mapLimited = async <T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> => {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
};

class Crash extends Error {}

export const describeLifecycleContract = (name: string, open: () => Promise<LifecycleFixture>, options: { streams?: number; timeoutMs?: number } = {}): void => {
  const streams = options.streams ?? 1000;

  describe(`stream lifecycle contract: ${name}`, () => {
    it('archiving an unknown stream is refused with not-found and writes nothing', async () => {
      const { store, cold, coldNames } = await open();
      const stream = fresh('unknown');
      const before = await coldNames();
      await expect(archiveStream({ store, cold }, stream)).rejects.toBeInstanceOf(NotFoundError);
      expect(await store.readArchiveRecord(stream)).toBeUndefined();
      expect(await coldNames()).toEqual(before);
      expect(await store.readStream(stream, { fromVersion: 1, limit: 10 })).toBeUndefined();
    });

    it('an archived stream reads as before, marked with archivedVersion; only its last event stays hot', async () => {
      const { store, cold } = await open();
      const reader = withArchivedReads(store, cold);
      const stream = fresh();
      await append(store, stream, 7);
      const before = await readAll(reader, stream);

      const outcome = await archiveStream({ store, cold }, stream);
      expect(outcome).toMatchObject({ outcome: 'archived', archivedVersion: 7, version: 7 });
      expect(outcome.segments[0]).toMatchObject({ fromVersion: 1, toVersion: 7, eventCount: 7 });
      expect(outcome.segments[0]!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);

      expect(await readAll(reader, stream)).toEqual(before);
      expect(await readAll(reader, stream, 3)).toEqual(before); // paged across the archive's line
      const slice = await reader.readStream(stream, { fromVersion: 2, toVersion: 4, limit: 10 });
      expect(slice).toMatchObject({ version: 7, archivedVersion: 7 });
      expect(slice!.events.map((e) => e.sequence)).toEqual([2, 3, 4]);
      // The hot store itself now holds the anchor only.
      expect((await store.readStream(stream, { fromVersion: 1, limit: 10 }))!.events.map((e) => e.sequence)).toEqual([7]);
      expect((await store.readArchiveRecord(stream))!.record.state).toBe('archived');
      // Archiving again finds nothing new.
      expect(await archiveStream({ store, cold }, stream)).toMatchObject({ outcome: 'unchanged', archivedVersion: 7 });
    });

    it('a read that an archive overtakes between the record and the hot events starts again: nothing missed', async () => {
      const { store, cold } = await open();
      const stream = fresh('overtaken');
      await append(store, stream, 6);
      await archiveStream({ store, cold }, stream);
      await append(store, stream, 4);
      // The reader looks at the hot store (events 6..10: the archive is needed), reads the record (archived up
      // to 6), and then, before its next hot read, a second archive moves 6..10 and removes 6..9.
      let hotReads = 0;
      let overtaken = false;
      const hooked = new Proxy(store, {
        get(target, property) {
          if (property === 'readStream')
            return async (...args: Parameters<EventStore['readStream']>) => {
              if (++hotReads === 2) {
                await archiveStream({ store, cold }, stream);
                overtaken = true;
              }
              return target.readStream(...args);
            };
          const value: unknown = Reflect.get(target, property, target);
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
      const events = await readAll(withArchivedReads(hooked, cold), stream);
      expect(overtaken).toBe(true);
      expectContiguous(events, 10);
    });

    it('appends after an archive continue at the next version, and a stale expected version is still refused', async () => {
      const { store, cold } = await open();
      const reader = withArchivedReads(store, cold);
      const stream = fresh();
      await append(store, stream, 4);
      await archiveStream({ store, cold }, stream);
      await expect(append(reader, stream, 1, 2)).rejects.toBeInstanceOf(ConcurrencyError);
      expect(await append(reader, stream, 2, 4)).toMatchObject({ firstSequence: 5, lastSequence: 6 });
      expect(await append(reader, stream, 1, 'any')).toMatchObject({ firstSequence: 7 });
      // A second archive takes the new events as a second segment.
      const again = await archiveStream({ store, cold }, stream);
      expect(again.segments.map((s) => [s.fromVersion, s.toVersion])).toEqual([[1, 4], [5, 7]]);
      const events = await readAll(reader, stream);
      expectContiguous(events, 7);
      expect((await reader.getStreamInfo(stream))).toMatchObject({ version: 7, archivedVersion: 7, createdAt: events[0]!.recordedAt, updatedAt: events[6]!.recordedAt });
    });

    it('asOf and aggregate loads see archived events', async () => {
      const { store, cold } = await open();
      const reader = withArchivedReads(store, cold);
      const stream = fresh();
      await append(store, stream, 3);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const between = new Date().toISOString();
      await new Promise((resolve) => setTimeout(resolve, 5));
      await append(store, stream, 2);
      await archiveStream({ store, cold }, stream);
      const asOf = await reader.readStream(stream, { fromVersion: 1, limit: 100, asOf: between });
      expect(asOf!.version).toBe(3);
      expect(asOf!.events.map((e) => e.sequence)).toEqual([1, 2, 3]);
      // An aggregate load reads the whole stream for a decision (forWrite).
      const loaded: number[] = [];
      for await (const e of readStreamEvents(reader, stream, 1, 2, { forWrite: true })) loaded.push(e.sequence);
      expect(loaded).toEqual([1, 2, 3, 4, 5]);
    });

    it('an Idempotency-Key replay of archived events is recognised, not written again', async () => {
      const { store, cold } = await open();
      const reader = withArchivedReads(store, cold);
      const stream = fresh();
      const keyed = { ...event(1), metadata: { idempotencyKey: 'k-1' } };
      await reader.append({ stream, expectedVersion: 'any', events: [keyed], region: 'test' });
      await append(store, stream, 1);
      await archiveStream({ store, cold }, stream);
      await expect(reader.append({ stream, expectedVersion: 'any', events: [keyed], region: 'test' })).rejects.toThrow(/already holds/);
      expect((await reader.readEventsById(stream, [keyed.id])).map((e) => e.sequence)).toEqual([1]);
      expectContiguous(await readAll(reader, stream), 2);
    });

    for (const step of ARCHIVE_STEPS)
      it(`a crash after step ${step} loses no event and duplicates none; the next run finishes the archive`, async () => {
        const { store, cold } = await open();
        const reader = withArchivedReads(store, cold);
        const stream = fresh(`crash-${step}-`);
        await append(store, stream, 5);
        const before = await readAll(reader, stream);
        const crashAt = (at: ArchiveStep) => {
          if (at === step) throw new Crash(step);
        };
        await expect(archiveStream({ store, cold, afterStep: crashAt }, stream)).rejects.toBeInstanceOf(Crash);

        // Between the crash and the next run, the stream reads and takes appends as ever.
        expect(await readAll(reader, stream)).toEqual(before);
        expect(await append(reader, stream, 1, 5)).toMatchObject({ firstSequence: 6 });

        const outcome = await archiveStream({ store, cold }, stream);
        expect(outcome.archivedVersion).toBeGreaterThanOrEqual(5);
        const after = await readAll(reader, stream);
        expectContiguous(after, 6);
        expect(after.slice(0, 5)).toEqual(before);
        const record = (await store.readArchiveRecord(stream))!.record;
        expect(record.state).toBe('archived');
        // Segments cover 1..archivedVersion once, without overlap.
        const covered = record.segments.flatMap((s) => Array.from({ length: s.toVersion - s.fromVersion + 1 }, (_, i) => s.fromVersion + i));
        expect(covered).toEqual(Array.from({ length: record.archivedVersion }, (_, i) => i + 1));
        expect((await store.readStream(stream, { fromVersion: 1, limit: 10 }))!.events[0]!.sequence).toBe(record.archivedVersion);
      });

    it(`archives ${streams} streams while writers append to other streams and to archived ones: reads identical, versions right`, { timeout: options.timeoutMs ?? 120_000 }, async () => {
      const { store, cold } = await open();
      const reader = withArchivedReads(store, cold);
      const archived = Array.from({ length: streams }, () => fresh('bulk'));
      const others = Array.from({ length: 50 }, () => fresh('other'));
      await mapLimited(archived, 32, (stream) => append(store, stream, 3));
      await mapLimited(others, 32, (stream) => append(store, stream, 1));
      const before = new Map(await mapLimited(archived, 32, async (s) => [streamIdOf(s), await readAll(reader, s)] as const));

      // Writers: every 10th archived stream gets 3 more events (expected version known, then "any"), others get 5 each.
      const touched = archived.filter((_, i) => i % 10 === 0);
      const writers = (async () => {
        await mapLimited(touched, 8, async (stream) => {
          await append(reader, stream, 1, 3);
          await append(reader, stream, 1, 'any');
          await append(reader, stream, 1, 5);
        });
        await mapLimited(others, 8, async (stream) => {
          for (let i = 0; i < 5; i++) await append(reader, stream, 1, 'any');
        });
      })();
      const archiving = mapLimited(archived, 16, (stream) => archiveStream({ store, cold }, stream));
      const [outcomes] = await Promise.all([archiving, writers]);
      expect(outcomes.every((o) => o.archivedVersion >= 3)).toBe(true);

      for (const stream of archived) {
        const events = await readAll(reader, stream);
        const extra = touched.includes(stream) ? 3 : 0;
        expectContiguous(events, 3 + extra);
        expect(events.slice(0, 3)).toEqual(before.get(streamIdOf(stream)));
      }
      for (const stream of others) expectContiguous(await readAll(reader, stream), 6);
      // Appends after the archive get the right versions.
      for (const stream of touched.slice(0, 10)) expect(await append(reader, stream, 1, 6)).toMatchObject({ firstSequence: 7, version: 7 });
    });

    it('the policy archives the idle streams of its types, finishes interrupted archives, and then finds nothing new', async () => {
      const { store, cold } = await open();
      const reader = withArchivedReads(store, cold);
      const type = `Idle${process.pid}x${++counter}`;
      const idle = Array.from({ length: 3 }, (_, i) => ({ aggregateType: type, aggregateId: `i${i}` }));
      const other = { aggregateType: `Busy${process.pid}x${counter}`, aggregateId: 'b' };
      for (const stream of [...idle, other]) await append(store, stream, 2);
      const interrupted = fresh('interrupted');
      await append(store, interrupted, 2);
      await expect(
        archiveStream({ store, cold, afterStep: (step) => { if (step === 'segment-written') throw new Crash(step); } }, interrupted),
      ).rejects.toBeInstanceOf(Crash);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const deps = { store, cold, logger: silentLogger };
      const policy = [{ aggregateType: type, idleDays: 0 }];

      // Four of ours (a shared account may hold other tests' interrupted archives, which it finishes too).
      const first = await runArchivePolicy(deps, policy, { budgetMs: 60_000 });
      expect(first).toMatchObject({ failed: 0, interrupted: false });
      expect(first.archived).toBeGreaterThanOrEqual(4);
      for (const stream of [...idle, interrupted]) expect((await store.readArchiveRecord(stream))!.record).toMatchObject({ state: 'archived', archivedVersion: 2 });
      expect(await store.readArchiveRecord(other)).toBeUndefined();
      expect(await runArchivePolicy(deps, policy, { budgetMs: 60_000 })).toMatchObject({ archived: 0, failed: 0 });
      // Not idle for a day: nothing; written to again and idle: archived again.
      expect(await runArchivePolicy(deps, [{ aggregateType: type, idleDays: 1 }], { budgetMs: 60_000 })).toMatchObject({ archived: 0 });
      await append(reader, idle[1]!, 1, 2);
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await runArchivePolicy(deps, policy, { budgetMs: 60_000 })).toMatchObject({ archived: 1 });
      expectContiguous(await readAll(reader, idle[1]!), 3);
    });

    it('the archive replay hands out every archived event once, then the log', async () => {
      const { store, cold, logReplay } = await open();
      const mine = Array.from({ length: 3 }, () => fresh('replay'));
      for (const stream of mine) await append(store, stream, 4);
      await archiveStream({ store, cold }, mine[0]!);
      await archiveStream({ store, cold }, mine[1]!);
      await append(store, mine[1]!, 2);
      const replay = withArchiveReplay(logReplay, store, cold);
      const seen = new Map<string, number[]>();
      let cursor: string | undefined;
      // Pages small enough that streams straddle them (the cursor then points into a stream).
      for (let page = 0; page < 100_000; page++) {
        const result = await replay.readFrom(cursor, 7);
        for (const e of result.events) if (mine.some((s) => streamIdOf(s) === e.streamId)) seen.set(e.streamId, [...(seen.get(e.streamId) ?? []), e.sequence]);
        cursor = result.cursor;
        if (result.caughtUp) break;
      }
      expect(seen.get(streamIdOf(mine[0]!))).toEqual([1, 2, 3, 4]);
      expect(seen.get(streamIdOf(mine[1]!))).toEqual([1, 2, 3, 4, 5, 6]);
      expect(seen.get(streamIdOf(mine[2]!))).toEqual([1, 2, 3, 4]);
    });

    it('a closed stream refuses appends with stream-closed, still reads, and closing it twice changes nothing', async () => {
      const { store, cold } = await open();
      const reader = withArchivedReads(store, cold);
      const stream = fresh('closed');
      await append(store, stream, 2);
      expect(await closeStream({ store: reader, region: 'test' }, stream, 'account closed')).toEqual({ streamId: streamIdOf(stream), state: 'closed', version: 3 });
      await expect(append(reader, stream, 1, 3)).rejects.toBeInstanceOf(StreamClosedError);
      await expect(append(reader, stream, 1, 'any')).rejects.toBeInstanceOf(StreamClosedError);
      await expect(closeStream({ store: reader, region: 'test' }, stream)).rejects.toThrow(/already closed/);
      const events = await readAll(reader, stream);
      expect(events.map((e) => e.type)).toEqual(['Posted', 'Posted', STREAM_CLOSED]);
      expect(events[2]!.data).toEqual({ reason: 'account closed' });
      expect(await reader.getStreamInfo(stream)).toMatchObject({ version: 3, closed: true });
      // Still closed once archived: the closing event is the anchor that stays hot.
      await archiveStream({ store, cold }, stream);
      await expect(append(reader, stream, 1, 3)).rejects.toBeInstanceOf(StreamClosedError);
      await expect(closeStream({ store: reader, region: 'test' }, fresh('never'))).rejects.toBeInstanceOf(NotFoundError);
    });

    it('a hard delete is refused before the archive, then removes the archived events; deleting twice is refused', async () => {
      const { store, cold, coldNames } = await open();
      const reader = withArchivedReads(store, cold);
      const stream = fresh('deleted');
      await append(store, stream, 3);
      await expect(destroyStream({ store: reader, cold, region: 'test' }, stream)).rejects.toBeInstanceOf(LifecycleConflictError);
      expect(await readAll(reader, stream)).toHaveLength(3);
      await archiveStream({ store, cold }, stream);
      await append(store, stream, 1);
      await expect(destroyStream({ store: reader, cold, region: 'test' }, stream)).rejects.toThrow(/events 4\.\.4 not archived/);
      await archiveStream({ store, cold }, stream);
      const segments = (await store.readArchiveRecord(stream))!.record.segments.map((s) => s.name);
      expect(await destroyStream({ store: reader, cold, region: 'test' }, stream, 'erasure request')).toMatchObject({ state: 'deleted', version: 5 });
      await expect(reader.readStream(stream, { fromVersion: 1, limit: 10 })).rejects.toBeInstanceOf(StreamDeletedError);
      await expect(append(reader, stream, 1, 'any')).rejects.toBeInstanceOf(StreamClosedError);
      const names = await coldNames();
      for (const name of segments) expect(names).not.toContain(name);
      // What remains in the hot store is the tombstone alone.
      const hot = (await store.readStream(stream, { fromVersion: 1, limit: 10 }))!;
      expect(hot.events.map((e) => [e.sequence, e.type])).toEqual([[5, STREAM_DELETED]]);
      const record = ArchiveRecord.parse((await store.readArchiveRecord(stream))!.record);
      await expect(destroyStream({ store: reader, cold, region: 'test' }, stream)).rejects.toBeInstanceOf(StreamDeletedError);
      await expect(archiveStream({ store, cold }, stream)).rejects.toBeInstanceOf(StreamDeletedError);
      expect((await store.readArchiveRecord(stream))!.record).toEqual(record);
    });

    for (const step of ['tombstone-appended', 'purging-recorded', 'events-removed', 'segments-deleted'] as PurgeStep[])
      it(`a hard delete that crashes after ${step} is finished by the next call`, async () => {
        const { store, cold } = await open();
        const reader = withArchivedReads(store, cold);
        const stream = fresh(`purge-${step}-`);
        await append(store, stream, 2);
        await archiveStream({ store, cold }, stream);
        const crashAt = (at: PurgeStep) => {
          if (at === step) throw new Crash(step);
        };
        await expect(destroyStream({ store: reader, cold, region: 'test', afterStep: crashAt }, stream)).rejects.toBeInstanceOf(Crash);
        expect(await destroyStream({ store: reader, cold, region: 'test' }, stream)).toMatchObject({ state: 'deleted', version: 3 });
        const hot = (await store.readStream(stream, { fromVersion: 1, limit: 10 }))!;
        expect(hot.events.map((e) => [e.sequence, e.type])).toEqual([[3, STREAM_DELETED]]);
      });
  });
};
