import {
  ConcurrencyError,
  LifecycleConflictError,
  newEventId,
  NotFoundError,
  readLastEvent,
  STREAM_CLOSED,
  STREAM_DELETED,
  StreamClosedError,
  StreamDeletedError,
  streamIdOf,
  type ArchivableEventStore,
  type ColdStorage,
  type StoredArchiveRecord,
  type StreamEndOutcome,
  type StreamRef,
} from '../core/index.ts';
import { archiveStream, type ArchiverDeps } from './archiveStream.ts';

export interface StreamEndDeps {
  store: ArchivableEventStore;
  region: string;
  now?: () => string;
}

const lifecycleEvent = (type: string, reason: string | undefined) => ({
  id: newEventId(),
  type,
  schemaVersion: 1,
  data: reason === undefined ? {} : { reason },
  metadata: {},
});

const refuseIfDeleted = (stream: StreamRef, stored: StoredArchiveRecord | undefined): void => {
  if (stored?.record.state === 'purging' || stored?.record.state === 'deleted') throw new StreamDeletedError(streamIdOf(stream), stored.record.archivedVersion);
};

/**
 * Soft delete: appends `eventlog.StreamClosed`. The stores refuse every later append (409 stream-closed),
 * reads go on as before, and projections see the event like any other.
 */
export const closeStream = async (deps: StreamEndDeps, stream: StreamRef, reason?: string): Promise<StreamEndOutcome> => {
  const streamId = streamIdOf(stream);
  refuseIfDeleted(stream, await deps.store.readArchiveRecord(stream));
  try {
    const result = await deps.store.append({ stream, expectedVersion: 'exists', events: [lifecycleEvent(STREAM_CLOSED, reason)], region: deps.region });
    return { streamId, state: 'closed', version: result.version };
  } catch (error) {
    if (error instanceof ConcurrencyError && error.currentVersion === 0) throw new NotFoundError(`stream ${streamId} has no events; nothing to close`);
    if (error instanceof StreamClosedError) throw new StreamClosedError(streamId, error.version, `stream ${streamId} is already closed (at version ${error.version}); nothing changed`);
    throw error;
  }
};

/** The points between the hard delete's steps, for the same crash tests as the archive's. */
export type PurgeStep = 'tombstone-appended' | 'purging-recorded' | 'events-removed' | 'segments-deleted';

/**
 * Hard delete of an archived stream: appends `eventlog.StreamDeleted` (the tombstone, which stays as the
 * stream's only event), records `purging`, removes the hot events below it and the archived segments,
 * then records `deleted`. Reads then answer 410 stream-deleted, appends 409 stream-closed. Every step is
 * idempotent and the record says which one comes next, so a crash anywhere is finished by a new call.
 */
export const destroyStream = async (
  deps: StreamEndDeps & { cold: ColdStorage; afterStep?: (step: PurgeStep) => void | Promise<void> },
  stream: StreamRef,
  reason?: string,
): Promise<StreamEndOutcome> => {
  const { store, cold } = deps;
  const now = deps.now ?? (() => new Date().toISOString());
  const streamId = streamIdOf(stream);
  let stored = await store.readArchiveRecord(stream);
  // `purging` is a delete that crashed part-way: this call finishes it.
  if (stored?.record.state === 'deleted') throw new StreamDeletedError(streamId, stored.record.archivedVersion);
  if (stored?.record.state === 'copying' || stored?.record.state === 'removing') {
    // An archive was interrupted: finish it first, it is what the delete stands on.
    const archiver: ArchiverDeps = { store, cold, now };
    await archiveStream(archiver, stream);
    stored = await store.readArchiveRecord(stream);
  }
  if (stored?.record.state !== 'purging') {
    const archived = stored?.record.archivedVersion ?? 0;
    const tip = (await readLastEvent(store, stream, archived, { forWrite: true })) ?? { version: 0 };
    if (tip.version === 0) throw new NotFoundError(`stream ${streamId} has no events; nothing to delete`);
    const tombstoned = tip.event?.type === STREAM_DELETED;
    const unarchived = tip.version - archived - (tombstoned ? 1 : 0);
    if (stored === undefined || archived === 0 || unarchived > 0)
      throw new LifecycleConflictError(
        'stream-not-archived',
        'Stream not archived',
        streamId,
        `stream ${streamId} has ${stored === undefined || archived === 0 ? 'no archive' : `events ${archived + 1}..${tip.version} not archived`}: archive it first (POST /api/streams/${stream.aggregateType}/${stream.aggregateId}/archive or eventlog archive), then delete it; nothing changed`,
      );
    let tombstone = tip.version;
    if (!tombstoned) {
      tombstone = (await store.append({ stream, expectedVersion: tip.version, events: [lifecycleEvent(STREAM_DELETED, reason)], region: deps.region })).version;
      await deps.afterStep?.('tombstone-appended');
    }
    const etag = await store.writeArchiveRecord({ ...stored.record, state: 'purging', archivedVersion: tombstone, updatedAt: now() }, { etag: stored.etag });
    // Another archive or delete wrote the record meanwhile: the tombstone is in, so asking again finishes.
    if (etag === undefined)
      throw new LifecycleConflictError('stream-lifecycle-busy', 'Stream changed meanwhile', streamId, `stream ${streamId} was archived or deleted by another request meanwhile; send the delete again to finish it`);
    await deps.afterStep?.('purging-recorded');
    stored = { record: { ...stored.record, state: 'purging', archivedVersion: tombstone }, etag };
  }
  const { record } = stored;
  await store.removeEventsBelow(stream, record.archivedVersion);
  await deps.afterStep?.('events-removed');
  for (const segment of record.segments) await cold.delete(segment.name);
  await deps.afterStep?.('segments-deleted');
  await store.writeArchiveRecord({ ...record, state: 'deleted', segments: [], updatedAt: now() }, { etag: stored.etag });
  return { streamId, state: 'deleted', version: record.archivedVersion };
};
