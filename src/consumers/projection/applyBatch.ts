import {
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
  describeError,
} from '../../core/index.ts';
import { attemptHandler } from '../attempts.ts';
import { updateDocument } from './updateDocument.ts';
import { progressViewName, storedViewName } from './viewNames.ts';

export interface BatchTarget {
  projection: ProjectionDefinition;
  generation: number;
  /** Event ids an operator chose to skip: they count as processed without touching any view. */
  skip: ReadonlySet<string>;
}

export interface ApplyContext {
  views: ViewStore;
  /** Attempts and backoff for a throwing handler before its event counts as poison. */
  handlerRetry: RetryPolicy;
  now: () => string;
}

export interface PoisonEvent {
  /** Index in the batch; the events before it were applied. */
  index: number;
  event: EventEnvelope;
  error: string;
  attempts: number;
}

export interface BatchOutcome {
  /** Events processed from the start of the batch: all of them, or those before the poison event. */
  processed: number;
  /** Events that changed at least one document (redeliveries and events of other types do not). */
  applied: number;
  poison?: PoisonEvent;
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

/** Parallel writes per batch: enough to hide a remote store's latency, few enough not to swamp it. */
const WRITE_CONCURRENCY = 32;

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

/** A reducer must return a JSON object, or null to delete. */
const reduceChecked = (view: ViewDefinition, current: JsonObject | null | undefined, event: EventEnvelope, key: string): JsonObject | null => {
  const next = view.reduce(current === null || current === undefined ? undefined : structuredClone(current), event, key);
  if (next !== null && (typeof next !== 'object' || Array.isArray(next)))
    throw new TypeError(`view ${view.name}: reducer returned ${Array.isArray(next) ? 'an array' : typeof next}, not an object or null`);
  return next;
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
 * after. An event at or below a document's recorded sequence for its stream changes nothing.
 */
export const applyBatch = async (context: ApplyContext, target: BatchTarget, delivered: readonly EventEnvelope[]): Promise<BatchOutcome> => {
  const { projection, generation } = target;
  // Reducers see every event in its current shape; ids, streams and sequences are untouched by upcasting.
  const events = projection.upcasters === undefined ? delivered : delivered.map((event) => projection.upcasters!.upcast(event));
  let cut = events.length;
  let poison: PoisonEvent | undefined;

  // Which documents each event touches; a throwing keysOf makes its event poison like a reducer would.
  const touches: Array<Array<[ViewDefinition, string]>> = [];
  for (let index = 0; index < cut; index++) {
    const event = events[index]!;
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
  await forEachLimited([...documents.values()], WRITE_CONCURRENCY, async (document) => {
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
  await forEachLimited(changed, WRITE_CONCURRENCY, (document) =>
    updateDocument(
      context.views,
      document.storedView,
      document.key,
      (current) =>
        current === document.read
          ? { view: document.storedView, key: document.key, data: document.data ?? null, positions: document.positions, updatedAt }
          : reapply(document, current, updatedAt),
      document.read ?? null,
    ),
  );

  const progress = new Map<string, number>();
  for (const event of events.slice(0, cut)) progress.set(event.streamId, Math.max(progress.get(event.streamId) ?? 0, event.sequence));
  const progressView = progressViewName(projection.name, generation);
  await forEachLimited([...progress], WRITE_CONCURRENCY, ([streamId, sequence]) =>
    updateDocument(context.views, progressView, streamId, (current) =>
      (current?.positions[streamId] ?? 0) >= sequence
        ? undefined
        : { view: progressView, key: streamId, data: {}, positions: { [streamId]: sequence }, updatedAt },
    ),
  );

  return { processed: cut, applied, poison };
};
