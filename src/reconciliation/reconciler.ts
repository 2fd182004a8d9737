import {
  silentLogger,
  type Logger,
  appendEvents,
  canonicalJson,
  DuplicateEventIdError,
  ProblemError,
  readStreamEvents,
  StoreUnavailableError,
  type EventEnvelope,
  type EventStore,
  type StreamRef,
} from '../core/index.ts';
import { parseConflict, type ConflictFeed, type EventConflict } from './conflictFeed.ts';
import { ReconciliationPolicies, type CompensatingAppend } from './policies.ts';

/** The `kind` of the stream head documents the Cosmos DB store keeps beside the events (src/stores/cosmos/documents.ts). */
const STREAM_HEAD = 'streamHead';

// Closes the gap a failover leaves: every event in the conflicts feed was acknowledged to a client,
// so it must end up in the log once. Safe to run at any time, in every region at once, and again after
// a crash: an event already in its stream is recognised by its id, and compensations are keyed appends.

/** Where a reconciled event came from, in `metadata.reconciledFrom` (or `metadata.compensates`). */
export interface ReconciledOrigin {
  id: string;
  region: string;
  sequence: number;
  recordedAt: string;
  conflictId: string;
}

export type ConflictOutcome =
  | { outcome: 'reappended'; conflictId: string; streamId: string; eventId: string; from: number; to: number }
  | { outcome: 'present'; conflictId: string; streamId: string; eventId: string }
  | { outcome: 'compensated'; conflictId: string; streamId: string; eventId: string; reason: string; appended: { streamId: string; eventIds: string[] }[] }
  | { outcome: 'skipped'; conflictId?: string; reason: string }
  | { outcome: 'discarded'; conflictId: string; reason: string }
  | { outcome: 'failed'; conflictId: string; streamId: string; eventId: string; error: string };

export interface ReconcileReport {
  region: string;
  feed: string;
  /** Conflicts of events looked at. */
  examined: number;
  reappended: number;
  compensated: number;
  /** Already in the log (a client retry, another region's reconciler, or an earlier run). */
  present: number;
  skipped: number;
  /** Lost stream heads, dropped: the new timeline has its own head, and a head is only ever a hint (it never leads its events). */
  discarded: number;
  failed: number;
  /** Set when the run stopped early because the log could not be written (the next run goes on). */
  interrupted?: string;
  outcomes: ConflictOutcome[];
}

export interface ReconcileOptions {
  feed: ConflictFeed;
  /** The region's write path: re-appends go where the region's clients' appends go. */
  store: EventStore;
  region: string;
  policies?: ReconciliationPolicies;
  logger?: Logger;
}

/** An event id in the log that names another event: a person must decide which one the id means. */
export class ReconciliationError extends ProblemError('reconciliation', 500, 'Conflict needs an operator') {}

const sameFact = (a: EventEnvelope, b: EventEnvelope): boolean =>
  a.type === b.type && a.schemaVersion === b.schemaVersion && canonicalJson(a.data) === canonicalJson(b.data);

const streamOf = (event: EventEnvelope): StreamRef => ({ aggregateType: event.aggregateType, aggregateId: event.aggregateId });

const originOf = (conflict: EventConflict): ReconciledOrigin => ({
  id: conflict.loser.id,
  region: conflict.loser.region,
  sequence: conflict.loser.sequence,
  recordedAt: conflict.loser.recordedAt,
  conflictId: conflict.id,
});

/** Older losses first within a stream, so events lost together come back in their order. */
const byStreamAndSequence = (a: EventConflict, b: EventConflict): number =>
  a.loser.streamId !== b.loser.streamId
    ? a.loser.streamId < b.loser.streamId ? -1 : 1
    : a.loser.sequence - b.loser.sequence || (a.loser.recordedAt < b.loser.recordedAt ? -1 : a.loser.recordedAt > b.loser.recordedAt ? 1 : 0);

const readWholeStream = async (store: EventStore, stream: StreamRef): Promise<EventEnvelope[]> => {
  const events: EventEnvelope[] = [];
  for await (const event of readStreamEvents(store, stream, 1, 1000, { forWrite: true })) events.push(event);
  return events;
};

/** Reads the feed once and resolves every event conflict in it. */
export const reconcileConflicts = async (options: ReconcileOptions): Promise<ReconcileReport> => {
  const { feed, store, region } = options;
  const policies = options.policies ?? new ReconciliationPolicies();
  const logger = options.logger ?? silentLogger;
  const report: ReconcileReport = { region, feed: feed.kind, examined: 0, reappended: 0, compensated: 0, present: 0, skipped: 0, discarded: 0, failed: 0, outcomes: [] };
  const record = (outcome: ConflictOutcome): void => {
    report.outcomes.push(outcome);
    report[outcome.outcome]++;
  };

  // Read first, then resolve: deleting while a Cosmos DB feed is being paged could skip conflicts.
  const conflicts: EventConflict[] = [];
  const lostHeads: Array<{ id: string; partitionKey: string }> = [];
  for await (const raw of feed.read()) {
    const parsed = parseConflict(raw);
    if (parsed.kind === 'event') conflicts.push(parsed.conflict);
    else if (parsed.kind === 'other' && parsed.documentKind === STREAM_HEAD && parsed.partitionKey !== undefined)
      lostHeads.push({ id: parsed.id, partitionKey: parsed.partitionKey });
    else {
      record({ outcome: 'skipped', ...(parsed.id === undefined ? {} : { conflictId: parsed.id }), reason: parsed.reason });
      logger.warn('conflict left in the feed', { conflictId: parsed.id, reason: parsed.reason });
    }
  }
  conflicts.sort(byStreamAndSequence);

  /** The event is in its stream already, or it holds another event under its id. */
  const resolved = async (conflict: EventConflict): Promise<ConflictOutcome | undefined> => {
    const { loser } = conflict;
    const [existing] = await store.readEventsById(streamOf(loser), [loser.id]);
    if (existing === undefined) return undefined;
    if (!sameFact(existing, loser))
      throw new ReconciliationError(
        `event id ${loser.id} of ${loser.streamId} names another event at sequence ${existing.sequence}: decide by hand which one it is`,
      );
    return { outcome: 'present', conflictId: conflict.id, streamId: loser.streamId, eventId: loser.id };
  };

  const reappend = async (conflict: EventConflict): Promise<ConflictOutcome | undefined> => {
    const { loser } = conflict;
    const base = { conflictId: conflict.id, streamId: loser.streamId, eventId: loser.id };
    try {
      const result = await appendEvents(store, {
        stream: streamOf(loser),
        expectedVersion: 'any',
        events: [
          {
            id: loser.id,
            type: loser.type,
            schemaVersion: loser.schemaVersion,
            data: loser.data,
            metadata: { ...loser.metadata, reconciledFrom: originOf(conflict) },
          },
        ],
        region,
      });
      return { outcome: 'reappended', ...base, from: loser.sequence, to: result.firstSequence };
    } catch (error) {
      // Another reconciler (or a client retry) got there between our read and our append.
      if (error instanceof DuplicateEventIdError) return resolved(conflict);
      throw error;
    }
  };

  const compensate = async (conflict: EventConflict, reason: string, appends: CompensatingAppend[]): Promise<ConflictOutcome> => {
    const origin = originOf(conflict);
    const appended: { streamId: string; eventIds: string[] }[] = [];
    for (const append of appends) {
      // Keyed by the lost event: a second run replays these appends instead of writing them again.
      const result = await appendEvents(store, {
        stream: append.stream,
        expectedVersion: 'any',
        idempotencyKey: `reconcile:${conflict.loser.id}`,
        events: append.events.map((event) => ({ ...event, metadata: { ...event.metadata, compensates: origin } })),
        region,
      });
      appended.push({ streamId: result.streamId, eventIds: result.eventIds });
    }
    return { outcome: 'compensated', conflictId: conflict.id, streamId: conflict.loser.streamId, eventId: conflict.loser.id, reason, appended };
  };

  for (const head of lostHeads) {
    try {
      await feed.delete(head.id, head.partitionKey);
      record({ outcome: 'discarded', conflictId: head.id, reason: `a lost head of ${head.partitionKey}: the stream's head in the new timeline stands` });
    } catch (error) {
      logger.warn('lost stream head left in the feed; the next run retries it', { conflictId: head.id, error: error instanceof Error ? error.message : String(error) });
    }
  }

  for (const conflict of conflicts) {
    report.examined++;
    const { loser } = conflict;
    try {
      let outcome = await resolved(conflict);
      if (outcome === undefined) {
        const resolution = await policies.for(loser.aggregateType).resolve({ loser, readStream: (stream) => readWholeStream(store, stream) });
        outcome =
          resolution.action === 'reappend'
            ? await reappend(conflict)
            : await compensate(conflict, resolution.reason, resolution.appends);
      }
      if (outcome === undefined) throw new ReconciliationError(`event ${loser.id} of ${loser.streamId} is neither appended nor present`);
      await feed.delete(conflict.id, conflict.partitionKey);
      record(outcome);
      logger.info('conflict reconciled', { ...outcome });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      record({ outcome: 'failed', conflictId: conflict.id, streamId: loser.streamId, eventId: loser.id, error: message });
      logger.warn('conflict not reconciled; the next run retries it', { conflictId: conflict.id, error: message });
      // The log cannot be written now (write region unreachable, throttled): the rest would fail alike.
      if (error instanceof StoreUnavailableError) {
        report.interrupted = message;
        break;
      }
    }
  }
  return report;
};
