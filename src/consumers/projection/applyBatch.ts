import {
  deepFreeze,
  describeError,
  handlesEvent,
  mapLimited,
  ViewKey,
  type EventEnvelope,
  type GlobalLog,
  type JsonObject,
  type ProjectionDefinition,
  type RetryPolicy,
  type StoredViewDocument,
  type ViewDefinition,
  type ViewDocument,
  type ViewStore,
} from '../../core/index.ts';
import { retryHandler } from '../attempts.ts';
import { progressDocument, progressOf, type StreamProgress } from './progress.ts';
import { writeDocuments } from './updateDocument.ts';
import { progressViewName, storedViewName } from './viewNames.ts';

export interface BatchTarget {
  projection: ProjectionDefinition;
  generation: number;
  /** Event ids an operator chose to skip: they count as processed without touching any view. */
  skip: ReadonlySet<string>;
  /**
   * Apply an event only right after what the generation already holds for its stream, and pass over
   * the rest without recording them: live batches fed to a generation a rebuild is still filling,
   * whose replay has not reached every stream yet.
   */
  contiguousOnly?: boolean;
  /** Global position the generation's checkpoint had reached when the batch was read (checkpoint progress). */
  recordedPosition?: number;
}

export interface ApplyContext {
  views: ViewStore;
  /** Attempts and backoff for a throwing handler before its event counts as poison. */
  handlerRetry: RetryPolicy;
  now: () => string;
  /** Per-stream progress this runtime knows is recorded, by progress view and stream: prunes document positions. */
  confirmed: ConfirmedProgress;
  /**
   * Where per-stream progress is recorded. `documents`: a progress document per stream, for sources
   * that deliver a stream again after others or replace what they delivered (the change feed, a region
   * after a forced failover). `checkpoint`: the log is read in one total order and never replaced, so the
   * consumer's checkpoint holds it all; `log` tells where an event sits, to compare with the checkpoint.
   */
  progress: { kind: 'documents' } | { kind: 'checkpoint'; log: Pick<GlobalLog, 'positionOf'> };
}

export interface PoisonEvent {
  /** Index in the batch; the events before it were applied. */
  index: number;
  event: EventEnvelope;
  error: string;
  attempts: number;
}

/** An event at a position this generation already applied, under another id: the log's copy changed (a forced failover). */
export interface Divergence {
  streamId: string;
  sequence: number;
  /** The id the views applied at that position. */
  appliedId: string;
  /** The id the log holds there now. */
  eventId: string;
}

export interface BatchOutcome {
  /** Events processed from the start of the batch: all of them, or those before the poison event. */
  processed: number;
  /** Events that changed at least one document (redeliveries and events of other types do not). */
  applied: number;
  poison?: PoisonEvent;
  divergences: Divergence[];
  /**
   * Per stream, the last sequence this batch recorded progress for: with checkpoint progress, the last
   * applied to a document, which the caller confirms once its checkpoint records the batch.
   */
  reached: Map<string, number>;
}

/** The progress a runtime has recorded, remembered so view documents need not keep positions it already covers. */
export class ConfirmedProgress {
  private readonly entries = new Map<string, number>();
  private readonly capacity: number;

  constructor(capacity = 100_000) {
    this.capacity = capacity;
  }

  get(progressView: string, streamId: string): number {
    return this.entries.get(`${progressView}\u0000${streamId}`) ?? 0;
  }

  setAll(progressView: string, reached: ReadonlyMap<string, number>): void {
    for (const [streamId, sequence] of reached) this.set(progressView, streamId, sequence);
  }

  set(progressView: string, streamId: string, sequence: number): void {
    const id = `${progressView}\u0000${streamId}`;
    this.entries.delete(id);
    this.entries.set(id, Math.max(sequence, this.entries.get(id) ?? 0));
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }
}

interface WorkingDocument {
  view: ViewDefinition;
  storedView: string;
  key: string;
  read: StoredViewDocument | undefined;
  data: JsonObject | null | undefined;
  positions: Record<string, number>;
  /** Events applied to it in this batch, in batch order, to re-apply on a fresh read after a write conflict. */
  events: EventEnvelope[];
}

/**
 * Stream positions a view document keeps beyond those its projection's progress already covers. A
 * document touched by many streams (a count across all users) would otherwise grow without bound;
 * past this many, the progress of the streams it names is read to drop what is covered.
 */
export const MAX_DOCUMENT_POSITIONS = 64;

/** The batch's working documents, by view then key (no key strings built per event). */
type WorkingSet = Map<ViewDefinition, { storedView: string; byKey: Map<string, WorkingDocument> }>;

/**
 * The documents an event touches, each key checked against ViewKey once per batch: keys repeat across
 * a batch, and the schema check costs more than the rest of the event's work.
 */
const touchedDocuments = (projection: ProjectionDefinition, event: EventEnvelope, working: WorkingSet, generation: number): WorkingDocument[] => {
  let touched = NONE;
  for (const view of projection.views) {
    const keys = view.keysOf(event);
    if (keys.length === 0) continue;
    let documents = working.get(view);
    if (documents === undefined) {
      documents = { storedView: storedViewName(view.name, generation), byKey: new Map() };
      working.set(view, documents);
    }
    for (const key of keys) {
      let document = documents.byKey.get(key);
      if (document === undefined) {
        const valid = ViewKey.safeParse(key);
        if (!valid.success) throw new TypeError(`view ${view.name}: key ${JSON.stringify(key)} ${valid.error.issues[0]!.message}`);
        document = { view, storedView: documents.storedView, key, read: undefined, data: undefined, positions: {}, events: [] };
        documents.byKey.set(key, document);
      }
      if (touched === NONE) touched = [document];
      else if (!touched.includes(document)) touched.push(document); // a key named twice is one document
    }
  }
  return touched;
};

/**
 * A reducer must return a JSON object, or null to delete. It gets the document frozen rather than
 * copied (a copy per event made large documents quadratic): a reducer that changes its input fails
 * here, as the impure reducer it is, instead of corrupting what the batch works on.
 */
const reduceChecked = (view: ViewDefinition, current: JsonObject | null | undefined, event: EventEnvelope, key: string): JsonObject | null => {
  const next = view.reduce(current === null || current === undefined ? undefined : deepFreeze(current), event, key);
  if (next !== null && (typeof next !== 'object' || Array.isArray(next)))
    throw new TypeError(`view ${view.name}: reducer returned ${Array.isArray(next) ? 'an array' : typeof next}, not an object or null`);
  return deepFreeze(next);
};

/** The document a stored one becomes under these events, skipping those its positions already hold. */
const reapply = (document: WorkingDocument, current: StoredViewDocument | undefined, updatedAt: string): ViewDocument | undefined => {
  let data = current?.data;
  const positions = { ...current?.positions };
  let changed = false;
  for (const event of document.events) {
    if (event.sequence <= (positions[event.streamId] ?? 0)) continue;
    data = reduceChecked(document.view, data, event, document.key);
    positions[event.streamId] = event.sequence;
    changed = true;
  }
  return changed ? { view: document.storedView, key: document.key, data: data ?? null, positions, updatedAt } : undefined;
};

/**
 * Applies a batch to one generation of a projection's views. Order of effects, which makes a crash at
 * any point safe to redeliver: view documents first, then per-stream progress; the caller checkpoints
 * after. An event at or below the recorded progress of its stream (or a document's own position for
 * it, should a crash have come between the two) changes nothing; if its id differs from the one
 * recorded at that position, it is a divergence, reported for the caller to repair.
 */
export const applyBatch = async (context: ApplyContext, target: BatchTarget, delivered: readonly EventEnvelope[]): Promise<BatchOutcome> => {
  const { projection, generation } = target;
  const progressView = progressViewName(projection.name, generation);
  const documentProgress = context.progress.kind === 'documents';
  // Reducers see every event in its current shape; ids, streams and sequences are untouched by upcasting.
  const events = projection.upcasters === undefined ? delivered : delivered.map((event) => projection.upcasters!.upcast(event));

  // What this generation already holds of each stream in the batch (with checkpoint progress: nothing
  // after the checkpoint, and redeliveries after a crash are dropped by the documents' own positions).
  const streams = documentProgress ? [...new Set(events.map((e) => e.streamId))] : [];
  const progressRead = documentProgress ? await context.views.getMany(streams.map((streamId) => ({ view: progressView, key: streamId }))) : [];
  const progress = new Map<string, StreamProgress>(streams.map((streamId, index) => [streamId, progressOf(progressRead[index], streamId)]));

  let cut = events.length;
  let poison: PoisonEvent | undefined;
  const divergences: Divergence[] = [];
  // Events to work on (not yet held), and the documents each touches, one working document per stored
  // view and key however many events touch it; a throwing keysOf makes its event poison like a reducer would.
  const fresh: boolean[] = [];
  const touches: WorkingDocument[][] = [];
  const workingSet: WorkingSet = new Map();
  const touchesOf = (event: EventEnvelope): WorkingDocument[] => touchedDocuments(projection, event, workingSet, generation);
  for (let from = 0; from < cut; ) {
    // The common case runs synchronously (a loop V8 optimizes); a throw hands back, to be retried with backoff.
    const thrown = sortEvents(events, from, cut, { progress: documentProgress ? progress : undefined, target, fresh, touches, divergences, touchesOf });
    if (thrown === undefined) break;
    const { index, error } = thrown;
    const event = events[index]!;
    const retried = await retryHandler(() => touchesOf(event), context.handlerRetry, error);
    if (!retried.ok) {
      poison = { index, event, error: describeError(retried.error), attempts: retried.attempts };
      cut = index;
      break;
    }
    touches.push(retried.value);
    from = index + 1;
  }

  const working = [...workingSet.values()].flatMap(({ byKey }) => [...byKey.values()]);
  const reads = working.length === 0 ? [] : await context.views.getMany(working.map(({ storedView, key }) => ({ view: storedView, key })));
  working.forEach((document, index) => {
    document.read = reads[index];
    document.data = document.read?.data;
    document.positions = { ...document.read?.positions };
  });

  // Event by event, so that a poison event leaves exactly the events before it applied.
  const applying: Applying = { applied: 0, appliedTo: documentProgress ? undefined : new Map() };
  for (let from = 0; from < cut; ) {
    const thrown = applyEvents(events, touches, from, cut, applying);
    if (thrown === undefined) break;
    const { index, error } = thrown;
    const event = events[index]!;
    const failure = await applyRetrying(event, touches[index]!, thrown.document, error, context.handlerRetry, applying);
    if (failure !== undefined) {
      poison = { index, event, error: describeError(failure.error), attempts: failure.attempts };
      cut = index;
      break;
    }
    from = index + 1;
  }
  const { applied } = applying;

  // The documents in one write, each conditional on what was read; one another writer changed is redone on a fresh read.
  const updatedAt = context.now();
  const changed = working.filter((document) => document.events.length > 0);
  for (const document of changed) document.positions = await boundedPositions(context, target, progressView, document.positions);
  await writeDocuments(
    context.views,
    changed.map((document) => ({
      document: { view: document.storedView, key: document.key, data: document.data ?? null, positions: document.positions, updatedAt },
      read: document.read,
      redo: (current) => reapply(document, current, updatedAt),
    })),
  );

  if (applying.appliedTo !== undefined) return { processed: cut, applied, poison, divergences, reached: applying.appliedTo };

  // Progress of the events processed (those before a poison event), with the ids they had.
  const reached = new Map<string, EventEnvelope[]>();
  for (let index = 0; index < cut; index++) {
    if (!fresh[index]) continue;
    const event = events[index]!;
    const streamEvents = reached.get(event.streamId);
    if (streamEvents === undefined) reached.set(event.streamId, [event]);
    else streamEvents.push(event);
  }
  const readAt = new Map(streams.map((streamId, index) => [streamId, progressRead[index]]));
  await writeDocuments(
    context.views,
    [...reached].flatMap(([streamId, streamEvents]) => {
      const read = readAt.get(streamId);
      const document = progressDocument(progressView, streamId, read, streamEvents, updatedAt);
      const redo = (current: StoredViewDocument | undefined) => progressDocument(progressView, streamId, current, streamEvents, updatedAt);
      return document === undefined ? [] : [{ document, read, redo }];
    }),
  );
  const lastSequences = new Map([...reached].map(([streamId, streamEvents]) => [streamId, streamEvents[streamEvents.length - 1]!.sequence]));
  context.confirmed.setAll(progressView, lastSequences);
  return { processed: cut, applied, poison, divergences, reached: lastSequences };
};

interface Sorting {
  /** Per-stream progress, when it is kept in documents: events it holds already are passed over (and checked for divergence). */
  progress: Map<string, StreamProgress> | undefined;
  target: BatchTarget;
  fresh: boolean[];
  touches: WorkingDocument[][];
  divergences: Divergence[];
  touchesOf: (event: EventEnvelope) => WorkingDocument[];
}

/** Finds what each event from `from` touches; stops at an event whose keysOf threw, handing it back. */
const sortEvents = (events: readonly EventEnvelope[], from: number, to: number, sorting: Sorting): { index: number; error: unknown } | undefined => {
  const { progress, target, fresh, touches, divergences } = sorting;
  for (let index = from; index < to; index++) {
    const event = events[index]!;
    if (progress !== undefined) {
      const held = progress.get(event.streamId)!;
      const isFresh = event.sequence > held.sequence && (!target.contiguousOnly || event.sequence === held.sequence + 1);
      fresh.push(isFresh);
      if (!isFresh) {
        const appliedId = held.recent[event.sequence];
        if (event.sequence <= held.sequence && appliedId !== undefined && appliedId !== event.id)
          divergences.push({ streamId: event.streamId, sequence: event.sequence, appliedId, eventId: event.id });
        touches.push(NONE);
        continue;
      }
      held.advance(event);
    }
    if (!handlesEvent(target.projection, event) || target.skip.has(event.id)) {
      touches.push(NONE);
      continue;
    }
    try {
      touches.push(sorting.touchesOf(event));
    } catch (error) {
      return { index, error };
    }
  }
  return undefined;
};

interface Applying {
  applied: number;
  /** With checkpoint progress: per stream, the last sequence applied to a document. */
  appliedTo: Map<string, number> | undefined;
}

// What an event makes of each document it touches, kept aside until every one of them succeeded.
const stagedDocuments: WorkingDocument[] = [];
const stagedData: Array<JsonObject | null> = [];

const commitStaged = (event: EventEnvelope, applying: Applying): void => {
  if (stagedDocuments.length === 0) return;
  applying.applied++;
  applying.appliedTo?.set(event.streamId, event.sequence);
  for (let i = 0; i < stagedDocuments.length; i++) {
    const document = stagedDocuments[i]!;
    document.data = stagedData[i]!;
    document.positions[event.streamId] = event.sequence;
    document.events.push(event);
  }
};

/** Applies events from `from` to the documents they touch; stops at an event whose reducer threw (leaving it unapplied), handing it back. */
const applyEvents = (
  events: readonly EventEnvelope[],
  touches: readonly WorkingDocument[][],
  from: number,
  to: number,
  applying: Applying,
): { index: number; document: WorkingDocument; error: unknown } | undefined => {
  for (let index = from; index < to; index++) {
    const touched = touches[index]!;
    if (touched.length === 0) continue;
    const event = events[index]!;
    stagedDocuments.length = 0;
    stagedData.length = 0;
    for (const document of touched) {
      if (event.sequence <= (document.positions[event.streamId] ?? 0)) continue;
      try {
        stagedData.push(reduceChecked(document.view, document.data, event, document.key));
        stagedDocuments.push(document);
      } catch (error) {
        return { index, document, error };
      }
    }
    commitStaged(event, applying);
  }
  return undefined;
};

/** One event whose reducer threw on `failed`: its documents again, that one retried with backoff. Undefined once applied. */
const applyRetrying = async (
  event: EventEnvelope,
  touched: readonly WorkingDocument[],
  failed: WorkingDocument,
  firstError: unknown,
  policy: RetryPolicy,
  applying: Applying,
): Promise<{ error: unknown; attempts: number } | undefined> => {
  const results: Array<[WorkingDocument, JsonObject | null]> = [];
  for (const document of touched) {
    if (event.sequence <= (document.positions[event.streamId] ?? 0)) continue;
    const reduce = () => reduceChecked(document.view, document.data, event, document.key);
    let outcome;
    if (document === failed) outcome = await retryHandler(reduce, policy, firstError);
    else
      try {
        outcome = { ok: true as const, value: reduce() };
      } catch (error) {
        outcome = await retryHandler(reduce, policy, error);
      }
    if (!outcome.ok) return { error: outcome.error, attempts: outcome.attempts };
    results.push([document, outcome.value]);
  }
  stagedDocuments.length = 0;
  stagedData.length = 0;
  for (const [document, data] of results) {
    stagedDocuments.push(document);
    stagedData.push(data);
  }
  commitStaged(event, applying);
  return undefined;
};

/** What an event touches when it touches nothing (shared: most events of a batch touch nothing in most projections). */
const NONE: WorkingDocument[] = [];

/**
 * A document's stream positions, at most about `MAX_DOCUMENT_POSITIONS` of them: past that, those its
 * projection's recorded progress covers are dropped (a redelivery of them is dropped by the progress
 * check, or never comes: a checkpoint is not read again). Progress this runtime recorded is known
 * without a read; the rest is looked up only when needed.
 */
const boundedPositions = async (
  context: ApplyContext,
  target: BatchTarget,
  progressView: string,
  positions: Record<string, number>,
): Promise<Record<string, number>> => {
  const entries = Object.entries(positions);
  if (entries.length <= MAX_DOCUMENT_POSITIONS) return positions;
  const unconfirmed = (): Array<[string, number]> => entries.filter(([streamId, sequence]) => context.confirmed.get(progressView, streamId) < sequence);
  const kept = unconfirmed();
  if (kept.length > MAX_DOCUMENT_POSITIONS) {
    const { progress } = context;
    if (progress.kind === 'documents') {
      const read = await context.views.getMany(kept.map(([streamId]) => ({ view: progressView, key: streamId })));
      kept.forEach(([streamId], index) => context.confirmed.set(progressView, streamId, progressOf(read[index], streamId).sequence));
    } else if (target.recordedPosition !== undefined) {
      const recorded = target.recordedPosition;
      await mapLimited(kept, 16, async ([streamId, sequence]) => {
        const position = await progress.log.positionOf(streamId, sequence);
        if (position !== undefined && position <= recorded) context.confirmed.set(progressView, streamId, sequence);
      });
    }
  }
  return Object.fromEntries(unconfirmed());
};
