import { z } from 'zod';
import type { ConsumerGroupStore } from './consumerGroups.ts';
import type { EventEnvelope, JsonObject } from './envelope.ts';
import type { ViewQueryStore } from './viewQuery.ts';

// Ports of the consumer runtime (projections and reactors). Both live in a region-local store (a
// SQLite file per region locally, a Cosmos DB account in the region in Azure): regions never share
// views or checkpoints.

/** A view document as the runtime writes it. */
export interface ViewDocument {
  /**
   * Stored view name: the public view name plus the generation, e.g. `stream@3` (a rebuild writes a
   * new generation while the old one serves), or an internal name starting with `_`.
   */
  view: string;
  key: string;
  /** null: deleted. The document stays as a tombstone so its positions still drop redelivered events. */
  data: JsonObject | null;
  /** Per stream, the last sequence applied to this document: events at or below it are redeliveries. */
  positions: Record<string, number>;
  /** When this region's runtime last wrote the document (ISO-8601, this region's clock). */
  updatedAt: string;
}

export interface StoredViewDocument extends ViewDocument {
  /** Opaque version for conditional writes (a Cosmos `_etag`, a row version locally). */
  etag: string;
}

/** A write happens only when the document is absent, or still at the etag the writer read. */
export type WriteCondition = { absent: true } | { etag: string };

/** Names one view document: its stored view name and key. */
export interface ViewRef {
  view: string;
  key: string;
}

/** One conditional write of several made at once. */
export interface ViewWrite {
  document: ViewDocument;
  condition: WriteCondition;
}

export interface ViewStore {
  readonly kind: string;
  get(view: string, key: string): Promise<StoredViewDocument | undefined>;
  /**
   * A document read only if it changed since the version a reader holds: `'unchanged'` when it is
   * still at `etag` (a Cosmos DB read with If-None-Match answers 304 without the body), else what `get` answers.
   */
  getIfChanged(view: string, key: string, etag: string): Promise<StoredViewDocument | 'unchanged' | undefined>;
  /**
   * Writes the document if the condition holds and returns its new etag; returns undefined when it
   * does not hold (another writer got there first), so the caller reads again and retries.
   */
  put(document: ViewDocument, condition: WriteCondition): Promise<string | undefined>;
  /** Several documents at once, in the order asked, undefined where absent: a batch reads all it touches in one go. */
  getMany(refs: readonly ViewRef[]): Promise<Array<StoredViewDocument | undefined>>;
  /**
   * Several conditional writes at once, each judged on its own exactly as `put` judges it (one
   * transaction on SQLite, bulk requests on Cosmos DB): the new etag of each, undefined where its
   * condition did not hold. A store that fails part-way throws; what it wrote stays valid on its own.
   */
  putMany(writes: readonly ViewWrite[]): Promise<Array<string | undefined>>;
  delete(view: string, key: string): Promise<void>;
  /** Removes every document of a stored view name: a generation a rebuild replaced. */
  dropView(view: string): Promise<void>;
}

export const HaltRecord = z.object({
  eventId: z.string(),
  streamId: z.string(),
  sequence: z.number().int(),
  type: z.string(),
  /** Global log position, where the host has one. */
  position: z.number().int().optional(),
  error: z.string(),
  attempts: z.number().int(),
  at: z.string(),
  /** Which pass met the event: the live one, or a rebuild. */
  phase: z.enum(['live', 'rebuild']),
});
export type HaltRecord = z.infer<typeof HaltRecord>;

export const SkipRecord = HaltRecord.extend({ skippedAt: z.string() });
export type SkipRecord = z.infer<typeof SkipRecord>;

export const RebuildState = z.object({
  generation: z.number().int().min(1),
  definitionVersion: z.number().int().min(1),
  /** Where the replay resumes: opaque to the runtime, owned by the ReplaySource. */
  cursor: z.string().optional(),
  /** Global log position reached, where the host has one. */
  position: z.number().int().min(0),
  eventsApplied: z.number().int().min(0),
  startedAt: z.string(),
  /** Set once the replay reached the head; live passes hold until the switch (see docs/projections.md). */
  switching: z.boolean(),
  /** Divergences this rebuild repairs when it switches (they were found in the serving generation). */
  repairs: z.number().int().min(0).default(0),
});
export type RebuildState = z.infer<typeof RebuildState>;

/** An event found at a position a projection had applied under another id: the log's copy changed. */
export const DivergenceRecord = z.object({
  streamId: z.string(),
  sequence: z.number().int(),
  /** The id the views had applied at that position. */
  appliedId: z.string(),
  /** The id the log holds there now. */
  eventId: z.string(),
  at: z.string(),
});
export type DivergenceRecord = z.infer<typeof DivergenceRecord>;

/** Divergences found in a projection's serving views, and how many a rebuild from the log has repaired. */
export const DivergenceState = z.object({
  detected: z.number().int().min(0),
  repaired: z.number().int().min(0),
  /** The latest found, newest last (bounded). */
  last: z.array(DivergenceRecord),
});
export type DivergenceState = z.infer<typeof DivergenceState>;

/** Records written before consumers were one kind named the consumer `projection`. */
const withConsumerName = (value: unknown): unknown =>
  typeof value === 'object' && value !== null && !('consumer' in value) && 'projection' in value
    ? { ...value, consumer: (value as { projection: unknown }).projection }
    : value;

/**
 * One record per consumer (projection or reactor) in the region's store: where it is, and what an
 * operator asked of it. Its status is derived from `halt`, `paused` and `rebuild`, never stored.
 */
export const ConsumerState = z.preprocess(
  withConsumerName,
  z.object({
    consumer: z.string(),
    region: z.string(),
    /** Definition version the serving generation was built with (1 for reactors). */
    definitionVersion: z.number().int().min(1),
    /** Generation of the views being served (1 for reactors). */
    generation: z.number().int().min(1),
    /** Global log position of the last event the live pass processed (0 where the host has no global log). */
    position: z.number().int().min(0),
    /**
     * Where the local follower's live pass resumes in a source without a global position (the Cosmos DB
     * change feed): opaque, owned by the ReplaySource. Absent when following a global log (`position`
     * is the cursor) and in Azure, where the trigger's leases hold it.
     */
    cursor: z.string().optional(),
    eventsApplied: z.number().int().min(0),
    halt: HaltRecord.optional(),
    /** Set while an operator holds a reactor. */
    paused: z.object({ at: z.string() }).optional(),
    /** Most recent skipped events, newest last (bounded). */
    skipped: z.array(SkipRecord),
    rebuild: RebuildState.optional(),
    /** Generations replaced by a rebuild, dropped after a grace period so in-flight reads finish. */
    retired: z.array(z.object({ generation: z.number().int(), at: z.string() })),
    /** Documents of the events container that were neither events nor marked as ours, passed over. */
    ignoredDocuments: z.number().int().min(0).default(0),
    divergence: DivergenceState.optional(),
    updatedAt: z.string(),
  }),
);
export type ConsumerState = z.infer<typeof ConsumerState>;

export interface StoredConsumerState {
  state: ConsumerState;
  etag: string;
}

/** Checkpoints, halt, pause and rebuild records: one per consumer, in the region's store. */
export interface CheckpointStore {
  get(consumer: string): Promise<StoredConsumerState | undefined>;
  /** Same contract as ViewStore.put: new etag, or undefined when the condition does not hold. */
  put(state: ConsumerState, condition: WriteCondition): Promise<string | undefined>;
  /**
   * The record as this store last read or wrote it, without asking the database; it may be stale. A
   * change is first tried against it (the write is conditional on its etag), which saves a read when
   * nobody else wrote since: a store where a read is a network request (Cosmos DB) offers it.
   */
  lastKnown?(consumer: string): StoredConsumerState | undefined;
}

/** A region's consumer storage as one adapter opens it. */
export interface ProjectionStorage {
  views: ViewStore;
  checkpoints: CheckpointStore;
  /** Queries over the views' documents (`GET /api/views/{view}`). */
  queries: ViewQueryStore;
  /** Consumer groups' records, region-local like the checkpoints. */
  groups: ConsumerGroupStore;
  close(): Promise<void>;
}

export interface ReplayPage {
  /** In order per stream. */
  events: EventEnvelope[];
  /** Documents of the page that were not events (see `eventsFromDocuments`), left out of `events`. */
  ignored?: number;
  /** Resume point after these events. */
  cursor: string;
  /** True when the source had nothing more at the time of the read. */
  caughtUp: boolean;
  /** Global log position reached, where the source has one. */
  position?: number;
}

/** The whole log from the beginning, for rebuilds: the global log locally, the change feed (pull) in Cosmos DB. */
export interface ReplaySource {
  readFrom(cursor: string | undefined, limit: number): Promise<ReplayPage>;
}

export const isReplaySource = (value: unknown): value is ReplaySource =>
  typeof value === 'object' && value !== null && typeof (value as Partial<ReplaySource>).readFrom === 'function';
