import {
  decodeSegment,
  digestOf,
  encodeSegment,
  NotFoundError,
  newArchiveRecord,
  segmentName,
  StreamDeletedError,
  streamIdOf,
  type ArchivableEventStore,
  type ArchiveOutcome,
  type ArchiveRecord,
  type ArchiveSegment,
  type ColdStorage,
  type EventEnvelope,
  type StoredArchiveRecord,
  type StreamRef,
} from '../core/index.ts';

/**
 * The points between the archive's steps, in order. Tests stop the archiver at each one (a crash) and
 * run it again: it must finish with every event exactly once.
 */
export const ARCHIVE_STEPS = ['copying-recorded', 'segment-written', 'segment-verified', 'removing-recorded', 'events-removed', 'archived-recorded'] as const;
export type ArchiveStep = (typeof ARCHIVE_STEPS)[number];

export interface ArchiverDeps {
  store: ArchivableEventStore;
  cold: ColdStorage;
  now?: () => string;
  /** Called after each step; a test throws here to crash the archive at that point. */
  afterStep?: (step: ArchiveStep, stream: StreamRef) => void | Promise<void>;
}

/** The copy read back is not what was written: nothing is removed, and the next run copies again. */
export class ArchiveVerificationError extends Error {}

/** Rounds of the state machine one call may run: a full archive takes three, a lost race one more. */
const MAX_ROUNDS = 12;
const READ_PAGE = 1000;

/** The stream's hot events `from..to`, all of them or an error: archiving a hole would lose events. */
const readHot = async (store: ArchivableEventStore, stream: StreamRef, from: number, to: number): Promise<EventEnvelope[]> => {
  const events: EventEnvelope[] = [];
  while (from + events.length <= to) {
    const slice = await store.readStream(stream, { fromVersion: from + events.length, toVersion: to, limit: READ_PAGE, forWrite: true });
    const page = slice?.events ?? [];
    if (page.length === 0) break;
    events.push(...page);
  }
  events.forEach((event, index) => {
    if (event.sequence !== from + index) throw new Error(`stream ${streamIdOf(stream)}: event ${from + index} is missing from the hot store; nothing archived`);
  });
  if (events.length !== to - from + 1) throw new Error(`stream ${streamIdOf(stream)}: events ${from}..${to} are not all in the hot store; nothing archived`);
  return events;
};

/**
 * Archives a stream: every event not yet archived goes to cold storage as one segment, is read back and
 * compared by digest, and only then removed from the hot store (all but the last, the anchor that keeps
 * the stream's version there). The record beside the stream is written before each step, on its etag,
 * so a run that crashes anywhere is finished by the next one, and two runs at once never both advance it.
 */
export const archiveStream = async (deps: ArchiverDeps, stream: StreamRef): Promise<ArchiveOutcome> => {
  const { store, cold } = deps;
  const now = deps.now ?? (() => new Date().toISOString());
  const streamId = streamIdOf(stream);
  const step = async (name: ArchiveStep): Promise<void> => deps.afterStep?.(name, stream);
  let moved = false;

  const currentVersion = async (): Promise<number> =>
    (await store.readStream(stream, { fromVersion: 1, limit: 1, forWrite: true }))?.version ?? 0;

  /** Writes the record on the condition of what was read; undefined when another run got there first. */
  const save = async (stored: StoredArchiveRecord | undefined, record: ArchiveRecord): Promise<StoredArchiveRecord | undefined> => {
    const etag = await store.writeArchiveRecord({ ...record, updatedAt: now() }, stored === undefined ? { absent: true } : { etag: stored.etag });
    return etag === undefined ? undefined : { record: { ...record }, etag };
  };

  const startCopy = async (stored: StoredArchiveRecord | undefined, record: ArchiveRecord, version: number): Promise<StoredArchiveRecord | undefined> => {
    const fromVersion = record.archivedVersion + 1;
    const name = segmentName(stream, fromVersion, version);
    const saved = await save(stored, { ...record, state: 'copying', pending: { fromVersion, toVersion: version, name, location: cold.locate(name) } });
    if (saved !== undefined) await step('copying-recorded');
    return saved;
  };

  const copy = async (stored: StoredArchiveRecord): Promise<StoredArchiveRecord | undefined> => {
    const pending = stored.record.pending!;
    const events = await readHot(store, stream, pending.fromVersion, pending.toVersion);
    const content = encodeSegment(events);
    const digest = digestOf(content);
    await cold.put(pending.name, content);
    await step('segment-written');
    const back = await cold.get(pending.name);
    if (back === undefined || digestOf(back) !== digest)
      throw new ArchiveVerificationError(`stream ${streamId}: the copy of events ${pending.fromVersion}..${pending.toVersion} read back from ${pending.location} differs from what was written; nothing removed`);
    const decoded = decodeSegment(back);
    if (decoded.length !== events.length || decoded.some((e, i) => e.id !== events[i]!.id || e.sequence !== events[i]!.sequence))
      throw new ArchiveVerificationError(`stream ${streamId}: the copy at ${pending.location} does not hold events ${pending.fromVersion}..${pending.toVersion}`);
    await step('segment-verified');
    const segment: ArchiveSegment = {
      fromVersion: pending.fromVersion,
      toVersion: pending.toVersion,
      name: pending.name,
      location: pending.location,
      digest,
      eventCount: events.length,
      firstRecordedAt: events[0]!.recordedAt,
      lastRecordedAt: events[events.length - 1]!.recordedAt,
    };
    const { pending: _done, ...rest } = stored.record;
    const saved = await save(stored, { ...rest, state: 'removing', archivedVersion: pending.toVersion, segments: [...rest.segments, segment] });
    if (saved !== undefined) await step('removing-recorded');
    return saved;
  };

  const remove = async (stored: StoredArchiveRecord): Promise<StoredArchiveRecord | undefined> => {
    // The anchor (the event at archivedVersion) stays: it carries the version, the unique keys and a closing.
    await store.removeEventsBelow(stream, stored.record.archivedVersion);
    await step('events-removed');
    const saved = await save(stored, { ...stored.record, state: 'archived' });
    if (saved !== undefined) {
      moved = true;
      await step('archived-recorded');
    }
    return saved;
  };

  let stored = await store.readArchiveRecord(stream);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const record = stored?.record ?? newArchiveRecord(stream, now());
    let next: StoredArchiveRecord | undefined;
    switch (record.state) {
      case 'purging':
      case 'deleted':
        throw new StreamDeletedError(streamId, record.archivedVersion);
      case 'copying':
        next = await copy(stored!);
        break;
      case 'removing':
        next = await remove(stored!);
        break;
      case 'archived': {
        const version = await currentVersion();
        if (version === 0 && stored === undefined) throw new NotFoundError(`stream ${streamId} has no events; nothing to archive`);
        if (version <= record.archivedVersion)
          return { streamId, outcome: moved ? 'archived' : 'unchanged', archivedVersion: record.archivedVersion, version, segments: record.segments };
        next = await startCopy(stored, record, version);
        break;
      }
    }
    // A lost condition: another run moved the record; carry on from where it is now.
    stored = next ?? (await store.readArchiveRecord(stream));
  }
  throw new Error(`stream ${streamId}: the archive did not settle in ${MAX_ROUNDS} rounds (another archiver keeps moving it)`);
};
