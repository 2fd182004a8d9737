import {
  deepFreeze,
  describeError,
  handlesEvent,
  ViewKey,
  type EventEnvelope,
  type JsonObject,
  type ProjectionDefinition,
  type RetryPolicy,
  type StoredViewDocument,
  type ViewDefinition,
  type ViewDocument,
  type ViewStore,
} from '../../core/index.ts';
import { attemptHandler } from '../attempts.ts';
import { progressDocument, progressOf, type StreamProgress } from './progress.ts';
import { updateDocument } from './updateDocument.ts';
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
}

export interface ApplyContext {
  views: ViewStore;
  /** Attempts and backoff for a throwing handler before its event counts as poison. */
  handlerRetry: RetryPolicy;
  now: () => string;
  /** Per-stream progress this runtime knows is recorded, by progress view and stream: prunes document positions. */
  confirmed: ConfirmedProgress;
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

/** Parallel reads and writes per batch: enough to hide a remote store's latency, few enough not to swamp it. */
const CONCURRENCY = 32;
/**
 * Stream positions a view document keeps beyond those its projection's progress already covers. A
 * document touched by many streams (a count across all users) would otherwise grow without bound;
 * past this many, the progress of the streams it names is read to drop what is covered.
 */
export const MAX_DOCUMENT_POSITIONS = 64;

const forEachLimited = async <T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> => {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
};

const touchedKeys = (projection: ProjectionDefinition, event: EventEnvelope): Array<[ViewDefinition, string]> =>
  projection.views.flatMap((view) =>
    [...new Set(view.keysOf(event))].map((key): [ViewDefinition, string] => {
      const valid = ViewKey.safeParse(key);
      if (!valid.success) throw new TypeError(`view ${view.name}: key ${JSON.stringify(key)} ${valid.error.issues[0]!.message}`);
      return [view, key];
    }),
  );

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
  // Reducers see every event in its current shape; ids, streams and sequences are untouched by upcasting.
  const events = projection.upcasters === undefined ? delivered : delivered.map((event) => projection.upcasters!.upcast(event));

  // What this generation already holds of each stream in the batch.
  const progressRead = new Map<string, StoredViewDocument | undefined>();
  await forEachLimited([...new Set(events.map((e) => e.streamId))], CONCURRENCY, async (streamId) => {
    progressRead.set(streamId, await context.views.get(progressView, streamId));
  });
  const progress = new Map<string, StreamProgress>([...progressRead].map(([streamId, read]) => [streamId, progressOf(read, streamId)]));

  let cut = events.length;
  let poison: PoisonEvent | undefined;
  const divergences: Divergence[] = [];
  // Events to work on (not yet held), and what each touches; a throwing keysOf makes its event poison like a reducer would.
  const fresh: boolean[] = [];
  const touches: Array<Array<[ViewDefinition, string]>> = [];
  for (let index = 0; index < cut; index++) {
    const event = events[index]!;
    const held = progress.get(event.streamId)!;
    const isFresh = event.sequence > held.sequence && (!target.contiguousOnly || event.sequence === held.sequence + 1);
    fresh.push(isFresh);
    if (!isFresh) {
      const appliedId = held.recent[event.sequence];
      if (event.sequence <= held.sequence && appliedId !== undefined && appliedId !== event.id)
        divergences.push({ streamId: event.streamId, sequence: event.sequence, appliedId, eventId: event.id });
      touches.push([]);
      continue;
    }
    held.advance(event);
    if (target.skip.has(event.id) || !handlesEvent(projection, event)) {
      touches.push([]);
      continue;
    }
    const keys = await attemptHandler(() => touchedKeys(projection, event), context.handlerRetry);
    if (!keys.ok) {
      poison = { index, event, error: describeError(keys.error), attempts: keys.attempts };
      cut = index;
      break;
    }
    touches.push(keys.value);
  }

  // One working document per stored view and key, however many events touch it.
  const documents = new Map<string, WorkingDocument>();
  const touchedDocuments = touches.map((pairs) =>
    pairs.map(([view, key]) => {
      const storedView = storedViewName(view.name, generation);
      const id = JSON.stringify([storedView, key]);
      let document = documents.get(id);
      if (document === undefined) {
        document = { view, storedView, key, read: undefined, data: undefined, positions: {}, events: [] };
        documents.set(id, document);
      }
      return document;
    }),
  );
  await forEachLimited([...documents.values()], CONCURRENCY, async (document) => {
    document.read = await context.views.get(document.storedView, document.key);
    document.data = document.read?.data;
    document.positions = { ...document.read?.positions };
  });

  // Event by event, so that a poison event leaves exactly the events before it applied.
  let applied = 0;
  for (let index = 0; index < cut; index++) {
    const event = events[index]!;
    const staged: Array<[WorkingDocument, JsonObject | null]> = [];
    for (const document of touchedDocuments[index]!) {
      if (event.sequence <= (document.positions[event.streamId] ?? 0)) continue;
      const result = await attemptHandler(() => reduceChecked(document.view, document.data, event, document.key), context.handlerRetry);
      if (!result.ok) {
        poison = { index, event, error: describeError(result.error), attempts: result.attempts };
        break;
      }
      staged.push([document, result.value]);
    }
    if (poison?.index === index) {
      cut = index;
      break;
    }
    if (staged.length > 0) applied++;
    for (const [document, data] of staged) {
      document.data = data;
      document.positions[event.streamId] = event.sequence;
      document.events.push(event);
    }
  }

  const updatedAt = context.now();
  const changed = [...documents.values()].filter((document) => document.events.length > 0);
  await forEachLimited(changed, CONCURRENCY, async (document) => {
    document.positions = await boundedPositions(context, progressView, document.positions);
    await updateDocument(
      context.views,
      document.storedView,
      document.key,
      (current) =>
        current === document.read
          ? { view: document.storedView, key: document.key, data: document.data ?? null, positions: document.positions, updatedAt }
          : reapply(document, current, updatedAt),
      document.read ?? null,
    );
  });

  // Progress of the events processed (those before a poison event), with the ids they had.
  const reached = new Map<string, EventEnvelope[]>();
  events.slice(0, cut).forEach((event, index) => {
    if (fresh[index]) reached.set(event.streamId, [...(reached.get(event.streamId) ?? []), event]);
  });
  await forEachLimited([...reached], CONCURRENCY, ([streamId, streamEvents]) =>
    updateDocument(
      context.views,
      progressView,
      streamId,
      (current) => progressDocument(progressView, streamId, current, streamEvents, updatedAt),
      progressRead.get(streamId) ?? null,
    ).then(() => context.confirmed.set(progressView, streamId, streamEvents[streamEvents.length - 1]!.sequence)),
  );

  return { processed: cut, applied, poison, divergences };
};

/**
 * A document's stream positions, at most about `MAX_DOCUMENT_POSITIONS` of them: past that, those its
 * projection's recorded progress covers are dropped (a redelivery of them is dropped by the progress
 * check). Progress this runtime wrote is known without a read; the rest is read only when needed.
 */
const boundedPositions = async (context: ApplyContext, progressView: string, positions: Record<string, number>): Promise<Record<string, number>> => {
  const entries = Object.entries(positions);
  if (entries.length <= MAX_DOCUMENT_POSITIONS) return positions;
  const kept = entries.filter(([streamId, sequence]) => context.confirmed.get(progressView, streamId) < sequence);
  if (kept.length > MAX_DOCUMENT_POSITIONS)
    await forEachLimited(kept, CONCURRENCY, async ([streamId]) => {
      context.confirmed.set(progressView, streamId, progressOf(await context.views.get(progressView, streamId), streamId).sequence);
    });
  return Object.fromEntries(kept.filter(([streamId, sequence]) => context.confirmed.get(progressView, streamId) < sequence));
};
